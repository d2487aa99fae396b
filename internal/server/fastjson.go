package server

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// fastJSON is a request body that can read the usual shape of itself from a whole body in one
// pass. decodeFast reports false, whatever it has set, for anything it does not take exactly as
// encoding/json would (an escape, a duplicate or differently cased key, a null where a value is
// expected, a number with a fraction, ...): bindJSON then decodes the body as it always has, with
// its field-level errors, into a fresh value.
type fastJSON interface {
	decodeFast(body []byte) bool
}

// flatJSON reads a JSON text of plain values: objects, strings without escapes, whole numbers and
// null. Its methods report false on anything else; data is not copied, so values that keep a slice
// of it (json.RawMessage) share the body.
type flatJSON struct {
	data []byte
	pos  int
}

func (d *flatJSON) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// byte consumes c, after any white space.
func (d *flatJSON) byte(c byte) bool {
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

// peek returns the next byte after any white space, or 0 at the end.
func (d *flatJSON) peek() byte {
	d.space()
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

// str reads a string without escapes or control characters, in valid UTF-8, and returns its raw
// JSON text (quotes included) and its content.
func (d *flatJSON) str() (raw, content []byte, ok bool) {
	d.space()
	if d.pos >= len(d.data) || d.data[d.pos] != '"' {
		return nil, nil, false
	}
	start := d.pos
	end := bytes.IndexByte(d.data[start+1:], '"')
	if end < 0 {
		return nil, nil, false
	}
	content = d.data[start+1 : start+1+end]
	for _, c := range content {
		if c < 0x20 || c == '\\' {
			return nil, nil, false
		}
	}
	if !utf8.Valid(content) {
		return nil, nil, false
	}
	d.pos = start + end + 2
	return d.data[start:d.pos], content, true
}

// int reads a whole number as JSON writes it (no leading zeros, no fraction or exponent) that fits
// in 64 bits.
func (d *flatJSON) int() (int64, bool) {
	d.space()
	start := d.pos
	if d.pos < len(d.data) && d.data[d.pos] == '-' {
		d.pos++
	}
	digits := d.pos
	for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' {
		d.pos++
	}
	switch {
	case d.pos == digits, d.data[digits] == '0' && d.pos-digits > 1:
		return 0, false
	case d.pos < len(d.data) && (d.data[d.pos] == '.' || d.data[d.pos] == 'e' || d.data[d.pos] == 'E'):
		return 0, false
	}
	n, err := strconv.ParseInt(string(d.data[start:d.pos]), 10, 64)
	return n, err == nil
}

// null reads the literal null.
func (d *flatJSON) null() bool {
	d.space()
	if bytes.HasPrefix(d.data[d.pos:], []byte("null")) {
		d.pos += 4
		return true
	}
	return false
}

// object reads an object, calling member for each key with the reader at its value; member reads
// the value, and refuses a key it has seen.
func (d *flatJSON) object(member func(key []byte) bool) bool {
	if !d.byte('{') {
		return false
	}
	if d.byte('}') {
		return true
	}
	for {
		_, key, ok := d.str()
		if !ok || !d.byte(':') || !member(key) {
			return false
		}
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return true
		default:
			return false
		}
	}
}

// end reports whether nothing but white space is left.
func (d *flatJSON) end() bool {
	d.space()
	return d.pos == len(d.data)
}

// decodeFast implements fastJSON for the usual create or save: plain strings (answers too), whole
// numbers, a track that may be null.
func (r *apiProposalRequest) decodeFast(body []byte) bool {
	d := &flatJSON{data: body}
	var seen uint8
	ok := d.object(func(key []byte) bool {
		var ok bool
		bit := uint8(0)
		switch string(key) {
		case "format_id":
			bit = 1
			r.FormatID, ok = d.int()
		case "track_id":
			bit = 2
			if d.null() {
				r.TrackID, ok = nil, true
			} else {
				var n int64
				n, ok = d.int()
				r.TrackID = &n
			}
		case "title":
			bit = 4
			r.Title, ok = d.string()
		case "abstract":
			bit = 8
			r.Abstract, ok = d.string()
		case "access_token":
			bit = 16
			r.AccessToken, ok = d.string()
		case "version":
			bit = 32
			var n int64
			n, ok = d.int()
			r.Version = int(n)
			ok = ok && int64(r.Version) == n
		case "answers":
			bit = 64
			r.Answers = map[string]json.RawMessage{}
			ok = d.object(func(id []byte) bool {
				if _, dup := r.Answers[string(id)]; dup {
					return false
				}
				raw, _, ok := d.str()
				r.Answers[string(id)] = raw
				return ok
			})
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return ok
	})
	return ok && d.end()
}

// string reads a plain string (str) as a Go string.
func (d *flatJSON) string() (string, bool) {
	_, s, ok := d.str()
	return string(s), ok
}
