package cfp

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestParseLocal: a time on the conference's clock is read as that moment; one the clocks skip when
// summer time begins is refused with a message saying so; one they pass twice is read.
func TestParseLocal(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := ParseLocal(" 2027-06-30T23:59 ", ny); !ok || got.Format(time.RFC3339) != "2027-06-30T23:59:00-04:00" {
		t.Errorf("a summer evening: %v %v", got, ok)
	}
	if got, ok := ParseLocal("2027-06-30T9:00", ny); !ok || got.Hour() != 9 {
		t.Errorf("a one-digit hour: %v %v", got, ok)
	}
	if got, ok := ParseLocal("2027-11-07T01:30", ny); !ok || got.In(ny).Format(LocalLayout) != "2027-11-07T01:30" {
		t.Errorf("the hour that happens twice: %v %v", got, ok)
	}
	if got, ok := ParseLocal("2027-03-14T02:30", ny); ok {
		t.Errorf("the skipped hour was read as %v", got)
	}
	if msg := LocalError("2027-03-14T02:30", ny, "Enter a time."); !strings.Contains(msg, "no such time in America/New_York") {
		t.Errorf("the skipped hour's message: %q", msg)
	}
	if msg := LocalError("30 June", ny, "Enter a time."); msg != "Enter a time." {
		t.Errorf("a malformed time's message: %q", msg)
	}
	// Times as the API writes them are read back: with seconds, with an offset or in UTC.
	for in, want := range map[string]string{
		"2027-06-30T23:59:59":           "2027-06-30T23:59:59-04:00",
		"2027-06-30T23:59:59-04:00":     "2027-06-30T23:59:59-04:00",
		"2027-07-01T03:59:00Z":          "2027-06-30T23:59:00-04:00",
		"2027-06-30T23:59:59.999-04:00": "2027-06-30T23:59:59-04:00",
	} {
		if got, ok := ParseLocal(in, ny); !ok || got.Format(time.RFC3339) != want || got.Location() != ny {
			t.Errorf("%s: %v %v, want %s", in, got, ok, want)
		}
	}
	// Years no call runs in are refused, and said so.
	for _, in := range []string{"0001-01-01T00:00", "9999-12-31T23:59", "1999-12-31T23:59", "2200-01-01T05:00:00Z", "2199-12-31T23:30:00-12:00"} {
		if got, ok := ParseLocal(in, ny); ok {
			t.Errorf("%s was read as %v", in, got)
		}
		if msg := LocalError(in, ny, "Enter a time."); msg != "Enter a year from 2000 to 2199." {
			t.Errorf("%s: %q", in, msg)
		}
	}
}

// TestLocalTooLong: text longer than a time may be is refused, and the message says it is too long,
// by how much, and what is expected, whatever it starts with.
func TestLocalTooLong(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	fits := "2027-06-30T23:59:59.999999999-04:00" + strings.Repeat(" ", MaxTimeChars-35)
	if _, ok := ParseLocal(fits, ny); !ok {
		t.Errorf("%q (%d characters) was refused", fits, len(fits))
	}
	for _, in := range []string{fits + " ", "2027-06-30T23:59" + strings.Repeat("9", 40), strings.Repeat("x", 5000)} {
		if got, ok := ParseLocal(in, ny); ok {
			t.Errorf("%d characters were read as %v", len(in), got)
		}
		want := "This is too long for a date and time: " + strconv.Itoa(len(in)) + " characters, where at most 40 fit. Enter a time."
		if msg := LocalError(in, ny, "Enter a time."); msg != want {
			t.Errorf("%d characters: %q, want %q", len(in), msg, want)
		}
	}
}
