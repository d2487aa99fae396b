package export

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func TestCell(t *testing.T) {
	cases := map[string]string{
		"":                               "",
		"Plain title":                    "Plain title",
		"=HYPERLINK(\"http://x\",\"a\")": "'=HYPERLINK(\"http://x\",\"a\")",
		"+cmd|' /C calc'!A0":             "'+cmd|' /C calc'!A0",
		"-2+3":                           "'-2+3",
		"@SUM(A1)":                       "'@SUM(A1)",
		"\t=1":                           "'\t=1",
		"-3":                             "-3",
		"+1.5":                           "+1.5",
		"-":                              "'-",
		"Zoë Ngũgĩ":                      "Zoë Ngũgĩ",
	}
	for in, want := range cases {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSV(t *testing.T) {
	var buf bytes.Buffer
	c := NewCSV(&buf, "Title", "Presenter")
	c.Row("=1+1", "Zoë, \"Z\" Ngũgĩ")
	c.Row("line\nbreak", "x")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\ufeffTitle,Presenter\r\n") {
		t.Fatalf("no byte-order mark and CRLF header: %q", out)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[1][0] != "'=1+1" || rows[1][1] != "Zoë, \"Z\" Ngũgĩ" || rows[2][0] != "line\nbreak" {
		t.Errorf("rows read back as %q", rows)
	}
}
