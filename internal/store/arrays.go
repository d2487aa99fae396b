package store

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5/pgtype"
)

// The long texts of a batch (titles, abstracts, answers, messages) go to PostgreSQL as arrays. pgx
// encodes an array element by element into a buffer that grows by a quarter each time it is full,
// so that the 80 KB of a batch of saves was allocated and copied about five times over. A textArray
// or jsonbArray is written in PostgreSQL's binary format straight into the driver's buffer, which
// grows at most once for each such array, to its size plus some room for the parameters that follow.

// textArray is a text[] parameter (textArrayOf). A struct with no exported fields: a connection
// without arrayCodec finds no way to encode it and fails, rather than send it some other way.
type textArray struct{ elems []string }

// jsonbArray is a jsonb[] parameter (jsonbArrayOf); each element is JSON text.
type jsonbArray struct{ docs []string }

const (
	textOID  = 25
	jsonbOID = 3802
)

// textArrayOf is ss as a text[].
func textArrayOf(ss []string) textArray { return textArray{ss} }

// jsonbArrayOf is docs, each a JSON document, as a jsonb[].
func jsonbArrayOf(docs []string) jsonbArray { return jsonbArray{docs} }

// roomAfter is what an array of size bytes leaves free in the driver's buffer after itself, for the
// smaller parameters that follow it (a batch's numbers, flags, times and short texts, less than a
// sixteenth of its long texts), so that they do not make the buffer grow, and be copied, once more.
func roomAfter(size int) int { return size/16 + 512 }

// appendBinaryArray appends elems to buf as a one-dimensional array of text, or of jsonb, in
// PostgreSQL's binary format (array_recv): the number of dimensions, a flag for NULLs (none), the
// element type, the length and lower bound of the dimension, then each element's length and bytes;
// a jsonb element starts with its format's version, 1.
func appendBinaryArray(buf []byte, elems []string, jsonb bool) []byte {
	prefix, elemOID := 0, uint32(textOID)
	if jsonb {
		prefix, elemOID = 1, jsonbOID
	}
	size := 20
	for _, e := range elems {
		size += 4 + prefix + len(e)
	}
	b := slices.Grow(buf, size+roomAfter(size))
	if len(elems) == 0 {
		// An empty array has no dimensions.
		b = binary.BigEndian.AppendUint32(b, 0)
		b = binary.BigEndian.AppendUint32(b, 0)
		return binary.BigEndian.AppendUint32(b, elemOID)
	}
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint32(b, elemOID)
	b = binary.BigEndian.AppendUint32(b, uint32(len(elems)))
	b = binary.BigEndian.AppendUint32(b, 1)
	for _, e := range elems {
		b = binary.BigEndian.AppendUint32(b, uint32(prefix+len(e)))
		if jsonb {
			b = append(b, 1)
		}
		b = append(b, e...)
	}
	return b
}

// arrayCodec is pgx's codec of text[] or jsonb[] that also takes a textArray or jsonbArray as it is.
type arrayCodec struct {
	pgtype.Codec
	oid uint32
}

func (c arrayCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	var want uint32
	switch value.(type) {
	case textArray:
		want = pgtype.TextArrayOID
	case jsonbArray:
		want = pgtype.JSONBArrayOID
	default:
		return c.Codec.PlanEncode(m, oid, format, value)
	}
	if c.oid != want || format != pgtype.BinaryFormatCode {
		return failedPlan{fmt.Errorf("a %T cannot be sent as a parameter of type %d in format %d", value, oid, format)}
	}
	return binaryArrayPlan{}
}

type binaryArrayPlan struct{}

func (binaryArrayPlan) Encode(value any, buf []byte) ([]byte, error) {
	switch v := value.(type) {
	case textArray:
		return appendBinaryArray(buf, v.elems, false), nil
	case jsonbArray:
		return appendBinaryArray(buf, v.docs, true), nil
	}
	return nil, fmt.Errorf("not an array in binary form: %T", value)
}

// failedPlan is the plan of a value sent to a parameter it is not made for.
type failedPlan struct{ err error }

func (p failedPlan) Encode(any, []byte) ([]byte, error) { return nil, p.err }

// registerArrayCodecs makes a connection's type map take textArray and jsonbArray parameters.
func registerArrayCodecs(m *pgtype.Map) error {
	for _, oid := range []uint32{pgtype.TextArrayOID, pgtype.JSONBArrayOID} {
		t, ok := m.TypeForOID(oid)
		if !ok {
			return fmt.Errorf("no type for OID %d", oid)
		}
		m.RegisterType(&pgtype.Type{Name: t.Name, OID: oid, Codec: arrayCodec{Codec: t.Codec, oid: oid}})
	}
	return nil
}
