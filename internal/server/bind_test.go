package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
)

// bindBody runs bindJSON on body as a request to the API would.
func bindBody(t *testing.T, body string, req any) error {
	t.Helper()
	s := &Server{validate: newValidator()}
	r := httptest.NewRequest(http.MethodPost, "/api/v1/x", strings.NewReader(body))
	r.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	return s.bindJSON(echo.New().NewContext(r, httptest.NewRecorder()), req)
}

// TestBindNamesEveryWrongType sends bodies with values of the wrong JSON type: every one is named,
// with what it should be, alongside what validation finds in the rest; broken JSON, data after the
// object and unknown members answer as they always have.
func TestBindNamesEveryWrongType(t *testing.T) {
	long := strings.Repeat("x", 101)
	tests := []struct {
		name string
		req  any
		body string
		code apperr.Code
		want map[string]string // field: the start of its message; nil for none
	}{
		{"three wrong in a proposal", &apiProposalRequest{}, `{"track_id":"x","format_id":true,"title":5}`, apperr.Invalid, map[string]string{
			"track_id":  "Expected a whole number (an id) here, not a string.",
			"format_id": "Expected a whole number (an id) here, not true or false.",
			"title":     "Expected a string here, not a number.",
		}},
		{"wrong types and a value too long", &apiProposalRequest{}, `{"title":["a"],"access_token":"` + long + `","version":"3","answers":[]}`, apperr.Invalid, map[string]string{
			"title":        "Expected a string here, not a list.",
			"version":      "Expected a whole number here, not a string. Send the number without quotes: 3.",
			"answers":      "Expected an object here, not a list.",
			"access_token": "Use at most 100 characters.",
		}},
		{"a number out of range", &apiProposalRequest{}, `{"version":99999999999999999999,"format_id":1.5}`, apperr.Invalid, map[string]string{
			"version":   "Expected a whole number from -9223372036854775808 to 9223372036854775807 here, not 99999999999999999999.",
			"format_id": "Expected a whole number (an id) here, not 1.5.",
		}},
		{"the other case of a name", &apiProposalRequest{}, `{"Title":1,"FORMAT_ID":"2"}`, apperr.Invalid, map[string]string{
			"title":     "Expected a string here, not a number.",
			"format_id": "Expected a whole number (an id) here, not a string. Send the number without quotes: 2.",
		}},
		{"nested lists and objects", &apiFormatRequest{}, `{"name":"Panel","duration_minutes":"ninety","fields":[{"label":"Why?","max_words":"many"},{"label":7},null,{"options":["a",2]}],"description":"` + strings.Repeat("d", 8001) + `"}`, apperr.Invalid, map[string]string{
			"duration_minutes":   "Expected a whole number here, not a string.",
			"fields.0.max_words": "Expected a whole number here, not a string.",
			"fields.1.label":     "Expected a string here, not a number.",
			"fields.3.options":   "Expected a list of strings here; item 2 is a number.",
			"description":        "Use at most 8000 characters.",
		}},
		{"answers and a list of ids", &apiRegisterRequest{}, `{"name":"Grace","workshops":[1,"two",3.5],"answers":{"diet":5,"size":{"a":1},"fine":"yes","list":["a",1]},"consent":"yes","demographics":7}`, apperr.Invalid, map[string]string{
			"workshops":    "Expected a list of whole numbers here; item 2 is a string.",
			"answers.diet": "Expected a string, a list of strings (for a multiple choice) or true or false (for a checkbox) here, not a number.",
			"answers.size": "Expected a string, a list of strings (for a multiple choice) or true or false (for a checkbox) here, not an object.",
			"answers.list": "Expected a string, a list of strings (for a multiple choice) or true or false (for a checkbox) here, not a list of other things.",
			"consent":      "Expected true or false here, not a string.",
			"demographics": "Expected an object here, not a number.",
		}},
		{"a required value of the wrong type", &apiParticipationRequest{}, `{"confirm":"yes"}`, apperr.Invalid, map[string]string{
			"confirm": "Expected true or false here, not a string.",
		}},
		{"wrong type, then an unknown member", &apiProposalRequest{}, `{"title":5,"format_id":"x","colour":"red"}`, apperr.Malformed, map[string]string{
			"colour": "Unknown field; remove it.",
		}},
		{"unknown member first", &apiProposalRequest{}, `{"colour":"red","title":5}`, apperr.Malformed, map[string]string{
			"colour": "Unknown field; remove it.",
		}},
		{"wrong types and more after the object", &apiProposalRequest{}, `{"title":5,"format_id":"x"} {}`, apperr.Malformed, nil},
		{"broken JSON", &apiProposalRequest{}, `{"title":5 "format_id":"x"}`, apperr.Malformed, nil},
		{"not an object", &apiProposalRequest{}, `["title"]`, apperr.Malformed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := bindBody(t, tt.body, tt.req)
			ae, ok := apperr.As(err)
			if !ok || ae.Code != tt.code {
				t.Fatalf("error %v, want code %s", err, tt.code)
			}
			got := map[string]string{}
			for _, f := range ae.Fields {
				got[f.Field] = f.Message
			}
			for field, msg := range tt.want {
				if !strings.HasPrefix(got[field], msg) {
					t.Errorf("%s: %q, want %q", field, got[field], msg)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("fields %v, want %d", got, len(tt.want))
			}
			if tt.code == apperr.Invalid && len(tt.want) > 1 && !strings.Contains(ae.Message, "highlighted fields") {
				t.Errorf("message %q", ae.Message)
			}
		})
	}
	// Broken JSON says where.
	err := bindBody(t, `{"title":5 "format_id":"x"}`, &apiProposalRequest{})
	if ae, _ := apperr.As(err); ae == nil || !strings.Contains(ae.Message, "at byte 12") {
		t.Errorf("broken JSON: %v", err)
	}
	// The right types still bind, whichever decoder reads them.
	var r apiProposalRequest
	if err := bindBody(t, `{"format_id":2,"track_id":null,"title":"T\u00e9","version":4,"answers":{"a":["x"]}}`, &r); err != nil ||
		r.FormatID != 2 || r.Title != "Té" || r.Version != 4 || string(r.Answers["a"]) != `["x"]` {
		t.Errorf("a right body: %+v %v", r, err)
	}
}

// FuzzTypeCheck checks the walk against encoding/json, for the API's request shapes: it finds a
// value of the wrong type exactly when encoding/json refuses one, a member naming no field exactly
// when encoding/json refuses one, and what is left of the body decodes without either.
// `go test -fuzz FuzzTypeCheck ./internal/server/` explores further.
func FuzzTypeCheck(f *testing.F) {
	targets := []func() any{
		func() any { return &apiProposalRequest{} }, func() any { return &apiFormatRequest{} },
		func() any { return &apiRegisterRequest{} }, func() any { return &apiSessionRequest{} },
		func() any { return &apiRubricRequest{} }, func() any { return &apiSettingsRequest{} },
		func() any { return &apiReviewRequest{} },
	}
	for _, s := range []string{
		`{"track_id":"x","format_id":true,"title":5}`, `{"format_id":1,"title":"ok","answers":{"a":"b"}}`,
		`{"fields":[{"label":1},null,{"options":["a",2]}],"accepting":"yes"}`, `{"Fields":[{"LABEL":"x","max_words":1e3}]}`,
		`{"answers":{"a":[1],"b":true,"c":null},"workshops":[1,"2"],"consent":1}`, `{"chairs":["a",null,3],"items":{},"track_id":null}`,
		`{"criteria":[{"weight":"2","anchors":[1]}],"slots":"x","version":null}`, `{"questions":[{"kind":5}],"capacity":-1.5}`,
		`{"scores":{"clarity":"high","depth":3},"submit":"true","version":"0"}`, `{"title":"a","title":5,"nope":1}`,
		`{"version":-99999999999999999999,"position":2147483648}`, `{}`, `{"":0}`, `{"description":null,"fields":null}`,
	} {
		for i := range targets {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		newReq := targets[int(which)%len(targets)]
		if !json.Valid(body) || bytes.TrimSpace(body)[0] != '{' {
			return
		}
		loose := newReq()
		errLoose := json.Unmarshal(body, loose)
		var typ *json.UnmarshalTypeError
		wrong := errors.As(errLoose, &typ)
		if errLoose != nil && !wrong {
			return // a type's own decoding refused it for another reason: not a question of type
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		errStrict := dec.Decode(newReq())

		var tc typeCheck
		tc.value(bytes.TrimSpace(body), reflect.TypeOf(newReq()).Elem(), "", "")
		if (tc.n > 0) != wrong {
			t.Fatalf("%s: the walk found %d wrong values (%v); encoding/json: %v", body, tc.n, tc.wrong.Err(), errLoose)
		}
		if !wrong && (tc.unknown != nil) != (errStrict != nil) {
			t.Fatalf("%s: the walk found an unknown member: %v; encoding/json: %v", body, tc.unknown != nil, errStrict)
		}
		clean := json.NewDecoder(bytes.NewReader(tc.clean.Bytes()))
		clean.DisallowUnknownFields()
		if err := clean.Decode(newReq()); err != nil {
			t.Fatalf("%s: what is left, %s, does not decode: %v", body, tc.clean.Bytes(), err)
		}
	})
}

// TestCheckSaysTextAndRules: text that cannot be saved and a value too long in other fields are
// said together, not one after the other.
func TestCheckSaysTextAndRules(t *testing.T) {
	req := struct {
		Name string `form:"name" validate:"max=3"`
		Note string `form:"note"`
	}{Name: "abcdef", Note: "a\x00b"}
	ae, ok := apperr.As(newValidator().check(&req))
	if !ok || ae.Code != apperr.Invalid || len(ae.Fields) != 2 || ae.Fields[0].Field != "note" || ae.Fields[1].Field != "name" {
		t.Errorf("the errors: %+v", ae)
	}
}

// TestAlsoCheckedEmptiesWhatWasRefused: the service's checks see the request with the fields the
// binding refused emptied, nested ones by their path, but text refused for its length alone as it
// is; their errors join the binding's, whose message stands for a field both name unless it is
// such a length (the service knows the limit it keeps); the caller's request is left as it was; an
// error that is not about fields, from either, is the answer.
func TestAlsoCheckedEmptiesWhatWasRefused(t *testing.T) {
	type item struct {
		Label string `json:"label"`
		Kind  string `json:"kind"`
	}
	type request struct {
		Name  string  `json:"name"`
		Title string  `json:"title" validate:"max=3"`
		Note  string  `json:"note" validate:"max=3"`
		Email string  `json:"email"`
		Items *[]item `json:"items"`
		Tags  []string
	}
	items := []item{{"a", "x"}, {"b", "y"}}
	req := request{Name: "n", Title: "abcde", Note: "ab\x00cd", Email: "e", Items: &items, Tags: []string{"t"}}
	refused := &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "name", Message: "Not a name."}, {Field: "title", Message: "Use at most 3 characters."},
		{Field: "note", Message: "Broken."}, {Field: "items.1.label", Message: "Not text."}, {Field: "Tags[0]", Message: "Broken."}}}
	var seen request
	err := alsoChecked(refused, req, func(r request) error {
		seen = r
		return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "name", Message: "Enter a name."}, {Field: "title", Message: "Use at most 2 characters."},
			{Field: "note", Message: "Enter a note."}, {Field: "email", Message: "Not an address."}}}
	})
	if seen.Name != "" || seen.Title != "abcde" || seen.Note != "" || seen.Email != "e" || (*seen.Items)[1].Label != "" || (*seen.Items)[1].Kind != "y" ||
		(*seen.Items)[0].Label != "a" || seen.Tags[0] != "" {
		t.Errorf("the service saw %+v %+v", seen, *seen.Items)
	}
	if req.Name != "n" || items[1].Label != "b" || req.Tags[0] != "t" {
		t.Errorf("the caller's request changed: %+v %+v", req, items)
	}
	got := map[string]string{}
	ae, _ := apperr.As(err)
	for _, f := range ae.Fields {
		got[f.Field] = f.Message
	}
	if len(ae.Fields) != 6 || ae.Fields[0].Field != "name" || ae.Fields[5].Field != "email" || got["name"] != "Not a name." ||
		got["title"] != "Use at most 2 characters." || got["note"] != "Broken." {
		t.Errorf("the errors: %+v", ae)
	}
	forbidden := apperr.New(apperr.Forbidden, "No.")
	if err := alsoChecked(refused, req, func(request) error { return forbidden }); err != forbidden {
		t.Errorf("a refusal of the service: %v", err)
	}
	malformed := apperr.New(apperr.Malformed, "Unreadable.")
	if err := alsoChecked(malformed, req, func(request) error { t.Error("checked an unreadable request"); return nil }); err != malformed {
		t.Errorf("an unreadable request: %v", err)
	}
}
