package server

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/challenging-norms/conference/internal/cfp"
)

// TestDeadlinesBindAsTheServiceReadsThem: the forms and JSON bodies that carry a proposal's or a
// person's deadline refuse as too long exactly what the service does, so that the service's message
// (that it is too long, by how much) is the one shown for it.
func TestDeadlinesBindAsTheServiceReadsThem(t *testing.T) {
	want := "max=" + strconv.Itoa(cfp.MaxTimeChars)
	for _, req := range []any{extendForm{}, apiDeadlineRequest{}, grantForm{}, apiGrantRequest{}} {
		f, ok := reflect.TypeOf(req).FieldByName("Until")
		if !ok {
			t.Errorf("%T has no Until", req)
			continue
		}
		if rules := strings.Split(f.Tag.Get("validate"), ","); !slices.Contains(rules, want) {
			t.Errorf("%T.Until is validated %q, want %s", req, f.Tag.Get("validate"), want)
		}
	}
}
