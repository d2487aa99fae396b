package textdiff

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// join gives back the old and the new text from the parts.
func join(parts []Part) (from, to string) {
	var a, b strings.Builder
	for _, p := range parts {
		if p.Kind != Added {
			a.WriteString(p.Text)
		}
		if p.Kind != Removed {
			b.WriteString(p.Text)
		}
	}
	return a.String(), b.String()
}

func show(parts []Part) string {
	var sb strings.Builder
	for _, p := range parts {
		switch p.Kind {
		case Added:
			fmt.Fprintf(&sb, "{+%s+}", p.Text)
		case Removed:
			fmt.Fprintf(&sb, "[-%s-]", p.Text)
		default:
			sb.WriteString(p.Text)
		}
	}
	return sb.String()
}

func TestWords(t *testing.T) {
	for _, c := range []struct{ from, to, want string }{
		{"", "", ""},
		{"same text", "same text", "same text"},
		{"", "A new abstract.", "{+A new abstract.+}"},
		{"An old abstract.", "", "[-An old abstract.-]"},
		{"We audited the curriculum.", "We audited the whole curriculum.", "We audited the {+whole +}curriculum."},
		{"Residents lead the sessions.", "Faculty lead the sessions.", "[-Residents-]{+Faculty+} lead the sessions."},
		// A word changed inside is a word replaced, not letters.
		{"Ten participants.", "Twelve participants.", "[-Ten-]{+Twelve+} participants."},
		// Accents and other scripts are letters of their words.
		{"Lucía Ramírez presents.", "Lucia Ramírez presents.", "[-Lucía-]{+Lucia+} Ramírez presents."},
		{"医学 教育", "医学 研究", "医学 [-教育-]{+研究+}"},
		// A rewritten phrase reads as one removal and one addition, not as edits around "the".
		{"Students reviewed the syllabus of the course.", "Faculty rewrote the objectives of the block.",
			"[-Students reviewed the syllabus-]{+Faculty rewrote the objectives+} of the [-course-]{+block+}."},
		{"We met with the community board every month.", "We met the community board twice a year.",
			"We met [-with -]the community board [-every month-]{+twice a year+}."},
	} {
		got := Words(c.from, c.to)
		if show(got) != c.want {
			t.Errorf("Words(%q, %q) = %s, want %s", c.from, c.to, show(got), c.want)
		}
		if a, b := join(got); a != c.from || b != c.to {
			t.Errorf("Words(%q, %q) joins back to %q and %q", c.from, c.to, a, b)
		}
	}
}

// TestWordsGivesBothTexts: whatever the texts, the parts give back both, and no two parts in a
// row are of one kind; with more distinct words than the characters below the surrogates.
func TestWordsGivesBothTexts(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"the", "curriculum", "anti-racist", "équité", " ", "\n\n", ",", ".", "“quoted”", "<b>", "&amp;", "\t"}
	text := func(n int) string {
		var sb strings.Builder
		for range n {
			sb.WriteString(words[r.IntN(len(words))])
			if r.IntN(4) == 0 {
				sb.WriteString(" ")
			}
		}
		return sb.String()
	}
	for range 200 {
		from, to := text(r.IntN(60)), text(r.IntN(60))
		parts := Words(from, to)
		if a, b := join(parts); a != from || b != to {
			t.Fatalf("Words(%q, %q) joins back to %q and %q", from, to, a, b)
		}
		for i := 1; i < len(parts); i++ {
			if parts[i].Kind == parts[i-1].Kind {
				t.Fatalf("Words(%q, %q): two %v parts in a row", from, to, parts[i].Kind)
			}
		}
	}
	var a, b strings.Builder
	for i := range 60000 {
		fmt.Fprintf(&a, "w%d ", i)
		if i%1000 != 0 {
			fmt.Fprintf(&b, "w%d ", i)
		}
	}
	parts := Words(a.String(), b.String())
	if x, y := join(parts); x != a.String() || y != b.String() {
		t.Fatal("60,000 distinct words do not join back")
	}
	if n := len(parts); n != 120 {
		t.Errorf("60,000 words with 60 taken out: %d parts, want 120", n)
	}
}
