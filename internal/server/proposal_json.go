package server

import (
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// The answer to a create or a save, the proposal with its texts, is written field by field: the
// same bytes encoding/json writes for it (FuzzProposalJSON), without reflection.

// writeProposalResult writes r as c.JSON does: indented when asked for (?pretty, or the server in
// debug mode), else as encoding/json's Encoder writes it, a newline after it.
func writeProposalResult(c echo.Context, status int, r apiProposalResult) error {
	if c.Echo().Debug || c.Request().URL.RawQuery != "" && c.QueryParams().Has("pretty") {
		return c.JSON(status, r)
	}
	buf := jsonBuffers.Get().(*[]byte)
	b := append(r.appendJSON((*buf)[:0]), '\n')
	err := c.Blob(status, echo.MIMEApplicationJSON, b)
	if cap(b) <= 256<<10 {
		*buf = b
		jsonBuffers.Put(buf)
	}
	return err
}

// jsonBuffers are buffers for answers, used again: the response writer copies what it is given.
var jsonBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

func (r apiProposalResult) appendJSON(b []byte) []byte {
	b = append(b, `{"proposal":`...)
	b = r.Proposal.appendJSON(b)
	b = append(b, `,"warnings":`...)
	if r.Warnings == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, w := range r.Warnings {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"field":`...)
			b = appendJSONString(b, w.Field)
			b = append(b, `,"detail":`...)
			b = appendJSONString(b, w.Detail)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func (p apiProposal) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, p.ID, 10)
	b = append(b, `,"conference":`...)
	b = appendJSONString(b, p.Conference)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, p.Status)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(p.Version), 10)
	b = append(b, `,"format_id":`...)
	b = strconv.AppendInt(b, p.FormatID, 10)
	b = append(b, `,"track_id":`...)
	if p.TrackID == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, *p.TrackID, 10)
	}
	b = append(b, `,"title":`...)
	b = appendJSONString(b, p.Title)
	b = append(b, `,"abstract":`...)
	b = appendJSONString(b, p.Abstract)
	b = append(b, `,"answers":`...)
	b = appendJSONAnswers(b, p.Answers)
	b = append(b, `,"presenters":`...)
	if p.Presenters == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, x := range p.Presenters {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = strconv.AppendInt(b, x.ID, 10)
			b = append(b, `,"name":`...)
			b = appendJSONString(b, x.Name)
			b = append(b, `,"email":`...)
			b = appendJSONString(b, x.Email)
			b = append(b, `,"status":`...)
			b = appendJSONString(b, x.Status)
			b = append(b, `,"is_owner":`...)
			b = strconv.AppendBool(b, x.IsOwner)
			b = append(b, `,"pronouns":`...)
			b = appendJSONString(b, x.Pronouns)
			b = append(b, `,"participant_role":`...)
			b = appendJSONString(b, x.Role)
			b = append(b, `,"institution":`...)
			b = appendJSONString(b, x.Institution)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"deadline":`...)
	b = appendJSONStringPtr(b, p.Deadline)
	if p.Editable != nil {
		b = append(b, `,"editable":`...)
		b = strconv.AppendBool(b, *p.Editable)
	}
	b = append(b, `,"submitted_at":`...)
	b = appendJSONStringPtr(b, p.SubmittedAt)
	b = append(b, `,"withdrawn_at":`...)
	b = appendJSONStringPtr(b, p.WithdrawnAt)
	b = append(b, `,"created_at":`...)
	b = appendJSONString(b, p.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendJSONString(b, p.UpdatedAt)
	return append(b, '}')
}

// appendJSONAnswers writes the answers as encoding/json writes a map: its keys in order.
func appendJSONAnswers(b []byte, a map[string][]string) []byte {
	if a == nil {
		return append(b, "null"...)
	}
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		vs := a[k]
		if vs == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, v := range vs {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendJSONStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

// appendJSONString writes s as a JSON string as encoding/json does: <, > and & escaped for HTML,
// U+2028 and U+2029 escaped for JavaScript, invalid UTF-8 replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
