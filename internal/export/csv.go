// Package export writes tables that people open in spreadsheet programs. CSV files are UTF-8 with a
// byte-order mark (without one, Excel reads them in the system's legacy encoding and garbles names),
// CRLF line ends, and every cell that a spreadsheet would read as a formula neutralized (CSV
// injection: a proposal titled "=HYPERLINK(...)" must stay text).
package export

import (
	"encoding/csv"
	"io"
	"strings"
)

// CSV writes rows of text to a CSV file that opens correctly in Excel, LibreOffice and Numbers.
type CSV struct {
	w   *csv.Writer
	err error
}

// bom is the UTF-8 byte-order mark.
const bom = "\ufeff"

// NewCSV starts a CSV file on w, writing the byte-order mark and the header row.
func NewCSV(w io.Writer, header ...string) *CSV {
	c := &CSV{w: csv.NewWriter(w)}
	c.w.UseCRLF = true
	if _, err := io.WriteString(w, bom); err != nil {
		c.err = err
		return c
	}
	c.Row(header...)
	return c
}

// Row writes one row. Errors are kept and returned by Close.
func (c *CSV) Row(cells ...string) {
	if c.err != nil {
		return
	}
	safe := make([]string, len(cells))
	for i, s := range cells {
		safe[i] = Cell(s)
	}
	c.err = c.w.Write(safe)
}

// Close flushes the file and returns the first error met while writing it.
func (c *CSV) Close() error {
	if c.err != nil {
		return c.err
	}
	c.w.Flush()
	return c.w.Error()
}

// Cell returns s as a spreadsheet will show it as text: a value that begins with a character that
// starts a formula (= + - @, or a tab or carriage return before one) gets a leading apostrophe, the
// mark spreadsheets use for "this is text". Plain numbers such as "-3" or "+1.5" are left alone.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return "'" + s
	case '+', '-':
		if isNumber(s) {
			return s
		}
		return "'" + s
	}
	return s
}

func isNumber(s string) bool {
	s = s[1:]
	if s == "" || strings.Count(s, ".") > 1 {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '.' {
			return false
		}
	}
	return s != "."
}
