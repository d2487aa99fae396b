package cfp

import (
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
}
