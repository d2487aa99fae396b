package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"
)

// FuzzProposalRequestFastPath checks the one-pass reading of a proposal's body against
// encoding/json, as bindJSON used it alone: whatever the fast path takes, the decoder takes too
// (no unknown field, nothing after the object) and reads into the same values. What it declines
// is decoded by encoding/json, so declining is always safe; the seeds check that the usual bodies
// are taken. `go test -fuzz FuzzProposalRequestFastPath ./internal/server/` explores further.
func FuzzProposalRequestFastPath(f *testing.F) {
	usual := []string{
		`{"format_id":1,"track_id":2,"title":"Clerkship grading","abstract":"We audited narrative evaluations.","version":3,` +
			`"answers":{"background":"Bias in grading.","stage":"In progress"}}`,
		`{"format_id": 1, "track_id": null, "title": "Zoë Ngũgĩ <b>&</b>", "abstract": "", "answers": {}}`,
		" {\n\t\"title\" : \"x\" , \"version\":-0 }\r\n",
		`{"access_token":"abc","format_id":0}`,
		`{}`,
	}
	for _, s := range usual {
		var r apiProposalRequest
		if !r.decodeFast([]byte(s)) {
			f.Errorf("the fast path declined a usual body: %s", s)
		}
		f.Add([]byte(s))
	}
	for _, s := range []string{
		`{"title":"a","title":"b"}`, `{"answers":{"a":"1","a":"2"}}`, `{"Title":"case"}`, `{"title":"tab\there"}`,
		`{"title":"esc\"aped"}`, `{"title":"\u00e9"}`, "{\"title\":\"bad \xff\"}", `{"format_id":1.0}`, `{"format_id":1e2}`,
		`{"format_id":01}`, `{"format_id":-}`, `{"format_id":99999999999999999999}`, `{"version":null}`, `{"answers":null}`,
		`{"answers":{"a":["x","y"]}}`, `{"answers":{"a":true}}`, `{"unknown":1}`, `{"title":"x"} {}`, `{"title":"x"}x`,
		`{"title":"x",}`, `{,}`, `[]`, `"x"`, ``, `{"track_id":nul}`, `{"track_id":nullx}`, `{"title":"x"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast apiProposalRequest
		if !fast.decodeFast(body) {
			return
		}
		var std apiProposalRequest
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&std); err != nil {
			t.Fatalf("the fast path took %q, which encoding/json refuses: %v", body, err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			t.Fatalf("the fast path took %q, which has more after the object: %v", body, err)
		}
		if !reflect.DeepEqual(fast, std) {
			t.Fatalf("%q: the fast path read %+v, encoding/json %+v", body, fast, std)
		}
	})
}
