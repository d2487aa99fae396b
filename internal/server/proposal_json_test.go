package server

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzProposalJSON checks the answer to a create or save, written field by field, against
// encoding/json: the same bytes for any texts (escapes, HTML, control characters, U+2028, broken
// UTF-8), with and without the optional fields.
func FuzzProposalJSON(f *testing.F) {
	f.Add("Clerkship grading", "We audited <b>grades</b> & \"comments\".\n", "background", "Line\u2028break\tand \x01", "Zoë", true, int64(3))
	f.Add("", "", "", "", "", false, int64(-1))
	f.Add("broken \xff utf-8 \xe2\x80", "\b\f\r\\", "k\"ey", "<script>", "&amp;", true, int64(0))
	f.Fuzz(func(t *testing.T, title, abstract, key, answer, name string, optional bool, n int64) {
		r := apiProposalResult{Proposal: apiProposal{ID: n, Conference: "cn", Status: "draft", Version: int(n % 1000), FormatID: n,
			Title: title, Abstract: abstract, Answers: map[string][]string{key: {answer, title}, key + "2": nil, "a": {}},
			Presenters: []apiPresenter{{ID: 1, Name: name, Email: answer, Status: "accepted", IsOwner: optional, Pronouns: key,
				Role: "faculty", Institution: abstract}}, CreatedAt: title, UpdatedAt: name},
			Warnings: []apiWarning{{Field: key, Detail: answer}}}
		if optional {
			r.Proposal.TrackID, r.Proposal.Deadline, r.Proposal.Editable = &n, &title, &optional
			r.Proposal.SubmittedAt, r.Proposal.WithdrawnAt = &abstract, &name
			r.Warnings = nil
		} else {
			r.Proposal.Presenters, r.Proposal.Answers = []apiPresenter{}, map[string][]string{}
		}
		var want bytes.Buffer
		if err := json.NewEncoder(&want).Encode(r); err != nil {
			t.Fatal(err)
		}
		if got := append(r.appendJSON(nil), '\n'); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("written field by field:\n%s\nencoding/json:\n%s", got, want.Bytes())
		}
	})
}
