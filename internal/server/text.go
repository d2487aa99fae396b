package server

import (
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
)

// PostgreSQL refuses text with a NUL byte or invalid UTF-8, so such input would fail deep in a query
// as a fault of ours (500). It is refused here instead, where it comes in, as the client's mistake.

// storable reports whether PostgreSQL can store s as text.
func storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// checkText adds a field error for each string of a request struct that cannot be stored: its
// fields, its lists of strings, and the fields of the structs in its lists ("fields.0.label").
func checkText(v reflect.Value, fe *apperr.Fields) { checkTextIn(v, "", fe) }

const unstorable = "This contains a character that cannot be saved (a NUL byte or broken text encoding). Retype it without that character."

// checkTextIn checks the struct v, whose field names take prefix (an element of a list).
func checkTextIn(v reflect.Value, prefix string, fe *apperr.Fields) {
	v = reflect.Indirect(v)
	if v.Kind() != reflect.Struct {
		return
	}
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		if !f.IsExported() {
			continue
		}
		if fv.Kind() == reflect.Pointer && !fv.IsNil() && fv.Elem().Kind() != reflect.Struct {
			fv = fv.Elem() // *string, *[]T
		}
		switch name := prefix + fieldName(f); {
		case fv.Kind() == reflect.Struct || fv.Kind() == reflect.Pointer:
			checkTextIn(fv, prefix, fe)
		case fv.Kind() == reflect.String && !storable(fv.String()):
			fe.Add(name, unstorable)
		case fv.Kind() == reflect.Slice:
			for j := range fv.Len() {
				el, at := reflect.Indirect(fv.Index(j)), name+"."+strconv.Itoa(j)
				switch {
				case el.Kind() == reflect.Struct:
					checkTextIn(el, at+".", fe)
				case el.Kind() == reflect.String && !storable(el.String()) && !fe.Has(name):
					// A list of strings is one field of a form (one line each, or repeated).
					fe.Add(name, unstorable)
				}
			}
		}
	}
}

// storablePath answers 404 for a path that cannot name anything we store, before a path parameter
// such as a conference's slug reaches a query.
func storablePath(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !storable(c.Request().URL.Path) {
			return echo.ErrNotFound
		}
		return next(c)
	}
}
