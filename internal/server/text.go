package server

import (
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
)

// PostgreSQL refuses text with a NUL byte or invalid UTF-8, so such input would fail deep in a query
// as a fault of ours (500). It is refused here instead, where it comes in, as the client's mistake.

// storable reports whether PostgreSQL can store s as text.
func storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// checkText adds a field error for each string field of a request struct that cannot be stored.
func checkText(v reflect.Value, fe *apperr.Fields) {
	v = reflect.Indirect(v)
	if v.Kind() != reflect.Struct {
		return
	}
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		switch {
		case !f.IsExported():
		case fv.Kind() == reflect.Struct || fv.Kind() == reflect.Pointer:
			checkText(fv, fe)
		case fv.Kind() == reflect.String && !storable(fv.String()):
			fe.Add(fieldName(f), "This contains a character that cannot be saved (a NUL byte or broken text encoding). Retype it without that character.")
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
