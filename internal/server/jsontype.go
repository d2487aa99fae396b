package server

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/challenging-norms/conference/internal/apperr"
)

// A body with values of the wrong JSON type is read a second time, here, because encoding/json
// reports only the first of them: a client would correct one field a round. typeCheck walks the
// body against the request type as encoding/json reads it and names every value that does not fit,
// with the body's other values kept, so that they can be validated in the same answer.
//
// Fields are named as the API's other errors name them: a member by its JSON name, a member of a
// nested object after its parent's ("answers.diet"), an object in a list by its position counted
// from 0 ("fields.2.max_words"). A list of strings or numbers is one field, as on the form, and is
// named whole ("workshops"), its message saying which item is wrong.

// jsonShapes is a request type that takes more than one JSON shape; jsonShapes says which, for the
// message about a value of another shape.
type jsonShapes interface {
	jsonShapes() string
}

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonShapesType      = reflect.TypeFor[jsonShapes]()
)

// typeCheck is one walk of a body. clean is the body with each wrong value replaced by null, which
// encoding/json takes for any field (it leaves the field as it is), and unknown members left out.
type typeCheck struct {
	wrong   apperr.Fields
	n       int     // values found wrong
	unknown *string // the first member that names no field
	clean   bytes.Buffer
}

// value checks raw, one JSON value, against t, the type it is read into, at path; name is the JSON
// name of the member it is (for a list of scalars, of the list), which says whether it is an id.
func (tc *typeCheck) value(raw []byte, t reflect.Type, path, name string) {
	null := string(raw) == "null"
	for t.Kind() == reflect.Pointer {
		if null {
			tc.clean.WriteString("null")
			return
		}
		t = t.Elem()
	}
	switch {
	case decodesItself(t):
		tc.leaf(raw, t, path, name)
	case null:
		tc.clean.WriteString("null")
	case t.Kind() == reflect.Struct:
		tc.object(raw, t, path)
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		tc.members(raw, t, path)
	case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8, t.Kind() == reflect.Array:
		tc.list(raw, t, path, name)
	case t.Kind() == reflect.Interface && t.NumMethod() == 0:
		tc.clean.Write(raw)
	default:
		tc.leaf(raw, t, path, name)
	}
}

// decodesItself reports whether encoding/json hands values of t to t's own methods.
func decodesItself(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Implements(jsonUnmarshalerType) || pt.Implements(jsonUnmarshalerType) ||
		t.Implements(textUnmarshalerType) || pt.Implements(textUnmarshalerType) ||
		t.Kind() == reflect.Map && (t.Key().Implements(textUnmarshalerType) || reflect.PointerTo(t.Key()).Implements(textUnmarshalerType))
}

// fits reports whether encoding/json reads raw into a value of t without an error, and writes
// raw, or null for a value that does not fit, to the clean body.
func (tc *typeCheck) fits(raw []byte, t reflect.Type) bool {
	if json.Unmarshal(raw, reflect.New(t).Interface()) != nil {
		tc.clean.WriteString("null")
		return false
	}
	tc.clean.Write(raw)
	return true
}

func (tc *typeCheck) leaf(raw []byte, t reflect.Type, path, name string) {
	if !tc.fits(raw, t) {
		tc.add(path, wrongType(raw, t, name))
	}
}

func (tc *typeCheck) add(path, message string) {
	tc.n++
	tc.wrong.Add(path, message)
}

// each calls f for each member of the object raw, or each item of the list raw, in order.
func each(raw []byte, f func(key string, value json.RawMessage)) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return
	}
	object := raw[0] == '{'
	for dec.More() {
		var key string
		if object {
			tok, err := dec.Token()
			if err != nil {
				return
			}
			key, _ = tok.(string)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return // not after a body the decoder has read whole
		}
		f(key, v)
	}
}

func (tc *typeCheck) writeKey(key string, first *bool) {
	if !*first {
		tc.clean.WriteByte(',')
	}
	*first = false
	k, _ := json.Marshal(key)
	tc.clean.Write(k)
	tc.clean.WriteByte(':')
}

// object checks the members of a struct, matched to its fields as encoding/json matches them: by
// exact name, else ignoring case.
func (tc *typeCheck) object(raw []byte, t reflect.Type, path string) {
	if raw[0] != '{' {
		tc.clean.WriteString("null")
		tc.add(path, wrongType(raw, t, ""))
		return
	}
	fields := jsonFieldsOf(t)
	first := true
	tc.clean.WriteByte('{')
	each(raw, func(key string, v json.RawMessage) {
		f, ok := fields.find(key)
		if !ok {
			if tc.unknown == nil {
				tc.unknown = &key
			}
			return
		}
		tc.writeKey(key, &first)
		tc.value(v, f.typ, joinPath(path, f.name), f.name)
	})
	tc.clean.WriteByte('}')
}

// members checks the values of an object read into a map, each named by its key.
func (tc *typeCheck) members(raw []byte, t reflect.Type, path string) {
	if raw[0] != '{' {
		tc.clean.WriteString("null")
		tc.add(path, wrongType(raw, t, ""))
		return
	}
	first := true
	tc.clean.WriteByte('{')
	each(raw, func(key string, v json.RawMessage) {
		tc.writeKey(key, &first)
		tc.value(v, t.Elem(), joinPath(path, key), "")
	})
	tc.clean.WriteByte('}')
}

// list checks the items of a list: objects (and lists) each at their position, strings, numbers
// and the like as one field.
func (tc *typeCheck) list(raw []byte, t reflect.Type, path, name string) {
	if raw[0] != '[' {
		tc.clean.WriteString("null")
		tc.add(path, wrongType(raw, t, name))
		return
	}
	elem := t.Elem()
	scalar := isScalar(elem)
	i, reported := 0, false
	tc.clean.WriteByte('[')
	each(raw, func(_ string, v json.RawMessage) {
		if i > 0 {
			tc.clean.WriteByte(',')
		}
		if !scalar {
			tc.value(v, elem, joinPath(path, strconv.Itoa(i)), "")
		} else if !tc.fits(v, elem) && !reported {
			reported = true
			tc.add(path, fmt.Sprintf("Expected %s here; item %d is %s.", jsonKind(t, name), i+1, jsonValueOf(v, elem)))
		}
		i++
	})
	tc.clean.WriteByte(']')
}

// isScalar reports whether a value of t is a string, number, boolean or a value that reads itself.
func isScalar(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array, reflect.Interface:
		return decodesItself(t) || t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8
	}
	return true
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// jsonField is a field of a struct as encoding/json names it.
type jsonField struct {
	name string
	typ  reflect.Type
}

type jsonFields []jsonField

// jsonFieldsOf lists the fields encoding/json reads into a struct: exported ones by their json
// name, those of an embedded struct without a name as if they were the struct's own, unless it has
// a field of that name itself.
func jsonFieldsOf(t reflect.Type) jsonFields {
	var out, promoted jsonFields
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			promoted = append(promoted, jsonFieldsOf(ft)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name: name, typ: f.Type})
	}
	for _, p := range promoted {
		if _, ok := out.exact(p.name); !ok {
			out = append(out, p)
		}
	}
	return out
}

func (fs jsonFields) exact(key string) (jsonField, bool) {
	for _, f := range fs {
		if f.name == key {
			return f, true
		}
	}
	return jsonField{}, false
}

func (fs jsonFields) find(key string) (jsonField, bool) {
	if f, ok := fs.exact(key); ok {
		return f, true
	}
	for _, f := range fs {
		if strings.EqualFold(f.name, key) {
			return f, true
		}
	}
	return jsonField{}, false
}

// wrongType says what a field takes and what it was sent instead.
func wrongType(raw []byte, t reflect.Type, name string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if isInteger(t) && raw[0] != '"' && bytes.IndexAny(raw, ".eE") < 0 && (raw[0] == '-' || '0' <= raw[0] && raw[0] <= '9') {
		lo, hi := integerRange(t)
		return fmt.Sprintf("Expected a whole number from %s to %s here, not %s.", lo, hi, jsonValueOf(raw, t))
	}
	msg := fmt.Sprintf("Expected %s here, not %s.", jsonKind(t, name), jsonValueOf(raw, t))
	// A number in quotes is a common slip; say what to send when the number itself would do.
	var s string
	if raw[0] == '"' && (isInteger(t) || t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64) &&
		json.Unmarshal(raw, &s) == nil && len(s) <= 40 && s != "" && (s[0] == '-' || '0' <= s[0] && s[0] <= '9') &&
		json.Unmarshal([]byte(s), reflect.New(t).Interface()) == nil {
		msg += fmt.Sprintf(" Send the number without quotes: %s.", s)
	}
	return msg
}

func isInteger(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

// integerRange is the smallest and the largest whole number a value of t holds.
func integerRange(t reflect.Type) (lo, hi string) {
	bits := t.Bits()
	switch t.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "0", strconv.FormatUint(math.MaxUint64>>(64-bits), 10)
	}
	return strconv.FormatInt(math.MinInt64>>(64-bits), 10), strconv.FormatInt(math.MaxInt64>>(64-bits), 10)
}

// isID reports whether a member's name says it holds an id ("format_id", "id").
func isID(name string) bool {
	return name == "id" || strings.HasSuffix(name, "_id")
}

// jsonKind says what a value of t is in JSON, as a person reads it; name, the member's JSON name,
// says whether a number is an id.
func jsonKind(t reflect.Type, name string) string {
	if t.Implements(jsonShapesType) {
		return reflect.Zero(t).Interface().(jsonShapes).jsonShapes()
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.String:
		return "a string"
	case isInteger(t) && isID(name):
		return "a whole number (an id)"
	case isInteger(t):
		return "a whole number"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "a number"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		switch e := t.Elem(); {
		case e.Kind() == reflect.String:
			return "a list of strings"
		case isInteger(e) && (name == "ids" || strings.HasSuffix(name, "_ids")):
			return "a list of whole numbers (ids)"
		case isInteger(e):
			return "a list of whole numbers"
		case e.Kind() == reflect.Float32 || e.Kind() == reflect.Float64:
			return "a list of numbers"
		case e.Kind() == reflect.Struct || e.Kind() == reflect.Map:
			return "a list of objects"
		}
		return "a list"
	case t.Kind() == reflect.Struct || t.Kind() == reflect.Map:
		return "an object"
	}
	return "another kind of value"
}

// jsonValueOf says what the JSON value raw is: a number itself where t takes numbers (it is then
// the number that is wrong, not its kind).
func jsonValueOf(raw []byte, t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch raw[0] {
	case '"':
		return "a string"
	case 't', 'f':
		return "true or false"
	case 'n':
		return "null"
	case '{':
		return "an object"
	case '[':
		if t.Kind() == reflect.Slice {
			return "a list of other things"
		}
		return "a list"
	}
	if isInteger(t) || t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64 {
		if utf8.RuneCount(raw) > 40 {
			return "a number of " + strconv.Itoa(len(raw)) + " characters"
		}
		return string(raw)
	}
	return "a number"
}
