package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	playground "github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
)

// validator is the one validator of the process. It names fields as the JSON body and the HTML form
// do, and turns its findings into messages a person can act on.
type validator struct{ v *playground.Validate }

func newValidator() *validator {
	v := playground.New(playground.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(fieldName)
	return &validator{v: v}
}

// fieldName names a request struct's field as the JSON body and the HTML form do.
func fieldName(f reflect.StructField) string {
	for _, tag := range []string{"json", "form"} {
		if name, _, _ := strings.Cut(f.Tag.Get(tag), ","); name != "" && name != "-" {
			return name
		}
	}
	return f.Name
}

// check validates a request struct; the error is apperr Invalid with one message per field: text
// that cannot be saved, then what the struct's rules find in the other fields.
func (v *validator) check(req any) error {
	var fe apperr.Fields
	checkText(reflect.ValueOf(req), &fe)
	err := v.v.Struct(req)
	if err == nil {
		return fe.Err()
	}
	var ves playground.ValidationErrors
	if !errors.As(err, &ves) {
		return apperr.Wrap(apperr.Internal, "Could not check the input.", err)
	}
	for _, e := range ves {
		fe.Add(e.Field(), message(e))
	}
	return fe.Err()
}

// alsoChecked answers a request its binding refused (err, apperr Invalid: a value too long, text
// that cannot be saved, a value of the wrong type) with what the service would refuse as well, so
// that one round of corrections is enough: check runs the service's checks, saving nothing, on a
// copy of req (the request as typed stays for the form shown again). The fields err names are
// emptied there, their values not fit to check, and err's message about them stands; but text
// refused for its length alone is left for the service to judge, and the service's message about
// it, which says the limit the service keeps, stands over err's. Any other error is err as it is.
func alsoChecked[T any](err error, req T, check func(T) error) error {
	ae, ok := apperr.As(err)
	if !ok || ae.Code != apperr.Invalid || len(ae.Fields) == 0 {
		return err
	}
	v := reflect.ValueOf(&req).Elem()
	judged := map[string]bool{}
	for _, f := range ae.Fields {
		if tooLong(v, f.Field) {
			judged[f.Field] = true
		} else {
			clearPath(v, f.Field)
		}
	}
	more := check(req)
	me, ok := apperr.As(more)
	if !ok || me.Code != apperr.Invalid || len(me.Fields) == 0 {
		return joinFieldErrors(err, more)
	}
	var all apperr.Fields
	for _, f := range ae.Fields {
		msg := f.Message
		if i := slices.IndexFunc(me.Fields, func(x apperr.FieldError) bool { return x.Field == f.Field }); i >= 0 && judged[f.Field] {
			msg = me.Fields[i].Message
		}
		all.Add(f.Field, msg)
	}
	for _, f := range me.Fields {
		all.Add(f.Field, f.Message)
	}
	return all.Err()
}

// tooLong reports whether what path names in v is text that can be saved, refused by its field's
// rule of length alone (validate max=N, and longer than N characters).
func tooLong(v reflect.Value, path string) bool {
	var field reflect.StructField
	for _, name := range strings.Split(strings.ReplaceAll(strings.ReplaceAll(path, "[", "."), "]", ""), ".") {
		v = reflect.Indirect(v)
		switch {
		case !v.IsValid():
			return false
		case v.Kind() == reflect.Struct:
			t, found := v.Type(), false
			for i := range t.NumField() {
				if t.Field(i).IsExported() && fieldName(t.Field(i)) == name {
					v, field, found = v.Field(i), t.Field(i), true
					break
				}
			}
			if !found {
				return false
			}
		case v.Kind() == reflect.Slice || v.Kind() == reflect.Array:
			i, err := strconv.Atoi(name)
			if err != nil || i < 0 || i >= v.Len() {
				return false
			}
			v, field = v.Index(i), reflect.StructField{} // an item, ruled by its list's dive
		default:
			return false
		}
	}
	v = reflect.Indirect(v)
	if !v.IsValid() || v.Kind() != reflect.String || field.Name == "" || !storable(v.String()) {
		return false
	}
	for _, rule := range strings.Split(field.Tag.Get("validate"), ",") {
		if rule == "dive" {
			break
		}
		if n, ok := strings.CutPrefix(rule, "max="); ok {
			most, err := strconv.Atoi(n)
			return err == nil && utf8.RuneCountInString(v.String()) > most
		}
	}
	return false
}

// clearPath sets to its zero value what path names in v ("label", "fields.2.label", "tags[3]"),
// by the names the form and JSON body use; a path that names nothing in v leaves it as it is. What
// v shares on the way (the value of a pointer, a slice's elements) is copied first, so that the
// value v was copied from is left as it is.
func clearPath(v reflect.Value, path string) {
	name, rest, _ := strings.Cut(strings.ReplaceAll(strings.ReplaceAll(path, "[", "."), "]", ""), ".")
	for v.Kind() == reflect.Pointer {
		if v.IsNil() || !v.CanSet() {
			return
		}
		own := reflect.New(v.Type().Elem())
		own.Elem().Set(v.Elem())
		v.Set(own)
		v = own.Elem()
	}
	var at reflect.Value
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if t.Field(i).IsExported() && fieldName(t.Field(i)) == name {
				at = v.Field(i)
				break
			}
		}
	case reflect.Slice:
		if i, err := strconv.Atoi(name); err == nil && i >= 0 && i < v.Len() && v.CanSet() {
			own := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(own, v)
			v.Set(own)
			at = v.Index(i)
		}
	case reflect.Array:
		if i, err := strconv.Atoi(name); err == nil && i >= 0 && i < v.Len() {
			at = v.Index(i)
		}
	}
	switch {
	case !at.IsValid() || !at.CanSet():
	case rest == "":
		at.SetZero()
	default:
		clearPath(at, rest)
	}
}

// message turns one validator finding into text.
func message(e playground.FieldError) string {
	switch e.Tag() {
	case "required":
		return "This field is required."
	case "email":
		return "Enter an email address like name@example.org."
	case "max":
		if e.Kind() == reflect.String {
			return fmt.Sprintf("Use at most %s characters.", e.Param())
		}
		if e.Kind() == reflect.Slice || e.Kind() == reflect.Map {
			return fmt.Sprintf("Send at most %s of these.", e.Param())
		}
		return fmt.Sprintf("Enter a number no larger than %s.", e.Param())
	case "min":
		if e.Kind() == reflect.String {
			return fmt.Sprintf("Use at least %s characters.", e.Param())
		}
		return fmt.Sprintf("Enter a number no smaller than %s.", e.Param())
	case "oneof":
		return fmt.Sprintf("Choose one of: %s.", strings.ReplaceAll(e.Param(), " ", ", "))
	case "url":
		return "Enter a full web address starting with https://."
	}
	return fmt.Sprintf("This value is not valid (%s).", e.Tag())
}

// bindOptionalJSON binds a JSON body when the request has one; a request without a body leaves req
// at its zero value (for operations whose body is optional).
func (s *Server) bindOptionalJSON(c echo.Context, req any) error {
	r := c.Request()
	if r.ContentLength == 0 {
		return nil
	}
	if r.ContentLength < 0 { // sent in chunks: empty is still no body
		b, err := readBody(r)
		if err != nil {
			return jsonError(err)
		}
		if len(b) == 0 {
			return nil
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	return s.bindJSON(c, req)
}

// bindJSON reads a JSON object into req strictly (application/json only, no unknown fields, no
// trailing data) and validates it. Errors are apperr Malformed (400) or Invalid (422) with fields;
// an Invalid error names every value of the wrong type, with what validation finds in the rest.
func (s *Server) bindJSON(c echo.Context, req any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "Send the request body as application/json (Content-Type: application/json).")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "Send the request body as JSON in UTF-8 (Content-Type: application/json; charset=utf-8, or no charset).")
	}
	// The body is read whole, and refused unless it is UTF-8: the decoder would quietly turn each
	// broken byte into U+FFFD and the text would be saved changed.
	b, err := readBody(c.Request())
	if err != nil {
		return jsonError(err)
	}
	if !utf8.Valid(b) {
		return apperr.New(apperr.Malformed, "The request body is not valid UTF-8: send JSON text in UTF-8.")
	}
	if loneSurrogate(b) {
		return apperr.New(apperr.Malformed, `The request body has a \u escape that is half of a UTF-16 surrogate pair, which is no character: escape a character outside the Basic Multilingual Plane as both halves of its pair, or send it as UTF-8.`)
	}
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return apperr.New(apperr.Malformed, "The body must hold a JSON object, not null.")
	}
	if f, ok := req.(fastJSON); ok {
		// The usual body of a hot request is decoded in one pass; anything unusual is decoded
		// below, into a fresh value.
		if f.decodeFast(b) {
			return s.validate.check(req)
		}
		reflect.ValueOf(req).Elem().SetZero()
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err = dec.Decode(req)
	var typ *json.UnmarshalTypeError
	wrongTypes := errors.As(err, &typ) && typ.Field != ""
	if err != nil && !wrongTypes {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.New(apperr.Malformed, "The body must hold a single JSON object and nothing after it.")
	}
	if wrongTypes {
		return s.checkWrongTypes(b, req, err)
	}
	return s.validate.check(req)
}

// checkWrongTypes answers a body that is JSON but has values of the wrong type, of which the
// decoder's error (first) names only the first: the error names every one, together with what
// validation finds in the rest of the body. A member that names no field is Malformed, as it is
// when the decoder meets it first.
func (s *Server) checkWrongTypes(b []byte, req any, first error) error {
	rv := reflect.ValueOf(req)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return jsonError(first)
	}
	var tc typeCheck
	tc.value(bytes.TrimSpace(b), rv.Type().Elem(), "", "")
	switch {
	case tc.unknown != nil:
		return unknownField(*tc.unknown)
	case tc.n == 0:
		return jsonError(first) // a value the walk took and the decoder did not: its word stands
	}
	// The decoder may have stopped at the first wrong value; the rest is read again without them.
	rv.Elem().SetZero()
	if json.Unmarshal(tc.clean.Bytes(), req) == nil {
		if err := s.validate.check(req); err != nil {
			ae, ok := apperr.As(err)
			if !ok || ae.Code != apperr.Invalid {
				return err
			}
			for _, f := range ae.Fields {
				tc.wrong.Add(f.Field, f.Message)
			}
		}
	}
	return tc.wrong.Err()
}

// loneSurrogate reports whether the JSON text b has a \u escape of half a UTF-16 surrogate pair
// without its other half, which the decoder would quietly turn into U+FFFD.
func loneSurrogate(b []byte) bool {
	if !bytes.Contains(b, []byte(`\u`)) {
		return false
	}
	hex4 := func(i int) (rune, bool) { // the four hex digits of the \u escape at b[i]
		if i+6 > len(b) || b[i+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
		return rune(n), err == nil
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		r, ok := hex4(i)
		switch {
		case !ok:
			i++ // another escape: skip the escaped character
		case r >= 0xDC00 && r <= 0xDFFF:
			return true // a low half with no high half before it
		case r >= 0xD800 && r <= 0xDBFF:
			if lo, ok := hex4(i + 6); !ok || lo < 0xDC00 || lo > 0xDFFF {
				return true
			}
			i += 11
		default:
			i += 5
		}
	}
	return false
}

// readBody reads a request's body whole, into a slice of its declared length when that is small;
// a larger body grows its slice as it arrives, so that a length declared is not memory held before
// the bytes come.
func readBody(r *http.Request) ([]byte, error) {
	b := make([]byte, 0, min(max(r.ContentLength, 0)+1, 64<<10))
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, 1)
		}
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		return he // the body limit
	case errors.Is(err, io.EOF):
		return apperr.New(apperr.Malformed, "The request body is empty; send a JSON object.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.New(apperr.Malformed, "The JSON body ends too early; check for a missing bracket or quote.")
	case errors.As(err, &syn):
		return apperr.Newf(apperr.Malformed, "The body is not valid JSON: %s (at byte %d).", syn.Error(), syn.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return apperr.New(apperr.Malformed, "The body must be a JSON object.")
		}
		return apperr.Field(typ.Field, fmt.Sprintf("Expected %s here, not %s.", jsonKind(typ.Type, typ.Field), jsonValue(typ.Value)))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return unknownField(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return echo.ErrStatusRequestEntityTooLarge
	}
	return apperr.Wrap(apperr.Malformed, "The request body could not be read.", err)
}

// unknownField is the answer to a member of a body that names no field of the request.
func unknownField(name string) error {
	return &apperr.Error{Code: apperr.Malformed, Message: fmt.Sprintf("The field %q is not part of this request; remove it.", name),
		Fields: []apperr.FieldError{{Field: name, Message: "Unknown field; remove it."}}}
}

// jsonValue names what the body held, from the json package's description ("number 1.5", "object").
func jsonValue(v string) string {
	switch {
	case strings.HasPrefix(v, "number "):
		return strings.TrimPrefix(v, "number ")
	case v == "bool":
		return "true or false"
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	case strings.HasPrefix(v, "a "), strings.HasPrefix(v, "an "):
		return v // said by a type's own decoding ("a list of other things")
	}
	return "a " + v
}

// bindForm reads an HTML form body into req (by `form` tags) and validates it.
func (s *Server) bindForm(c echo.Context, req any) error {
	if err := (&echo.DefaultBinder{}).BindBody(c, req); err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge {
			return he
		}
		return apperr.New(apperr.Malformed, "The form could not be read. Reload the page and try again.")
	}
	return s.validate.check(req)
}

// pathID reads a positive id from the path parameter name; anything else is a NotFound with the
// message, so that a malformed id and an unknown one answer alike.
func pathID(c echo.Context, name, message string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, message)
	}
	return id, nil
}
