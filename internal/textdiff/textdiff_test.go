package textdiff

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
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
		// Scripts written without spaces: the characters that changed, not the whole sentence.
		{"我们研究了医学教育中的结构性种族主义问题", "我们研究了医学教育中的结构性种族歧视问题", "我们研究了医学教育中的结构性种族[-主义-]{+歧视+}问题"},
		{"本研究では構造的人種差別を検討した", "本研究では構造的性差別を検討した", "本研究では構造的[-人種-]{+性+}差別を検討した"},
		// What is drawn on a character stays with it: an accent typed apart, a skin tone, the
		// people a zero-width joiner joins.
		{"cafe\u0301 au lait", "cafe au lait", "[-cafe\u0301-]{+cafe+} au lait"},
		{"Thanks 👍 all", "Thanks 👍🏽 all", "Thanks [-👍-]{+👍🏽+} all"},
		{"Family 👩\u200d👩\u200d👧 day", "Family 👩\u200d👩\u200d👦 day", "Family [-👩\u200d👩\u200d👧-]{+👩\u200d👩\u200d👦+} day"},
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
	for i := range 400 {
		from, to := text(r.IntN(60)), text(r.IntN(60))
		if i%2 == 0 { // a text and a change of it, cut anywhere (inside a character too)
			cut := r.IntN(len(from) + 1)
			to = from[:cut] + "\u00a0équité " + from[cut:]
		}
		parts := Words(from, to)
		if a, b := join(parts); a != from || b != to {
			t.Fatalf("Words(%q, %q) joins back to %q and %q", from, to, a, b)
		}
		if a, b := join(WordsWithin(from, to, 0)); a != from || b != to {
			t.Fatalf("WordsWithin(%q, %q, 0) joins back to %q and %q", from, to, a, b)
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
	// Bounded by a minute, not Limit: under the race detector the search takes longer than Limit,
	// and a coarser answer, though right, has fewer parts.
	parts := WordsWithin(a.String(), b.String(), time.Minute)
	if x, y := join(parts); x != a.String() || y != b.String() {
		t.Fatal("60,000 distinct words do not join back")
	}
	if n := len(parts); n != 120 {
		t.Errorf("60,000 words with 60 taken out: %d parts, want 120", n)
	}
}

// TestThaiKeepsItsVowelsOnTheirLetters: a word changed inside a Thai sentence is not the whole
// sentence, and no part begins with a vowel or tone mark cut from its letter.
func TestThaiKeepsItsVowelsOnTheirLetters(t *testing.T) {
	from, to := "เราศึกษาการเหยียดเชื้อชาติในหลักสูตรแพทย์", "เราศึกษาการเหยียดเพศในหลักสูตรแพทย์"
	parts := Words(from, to)
	if len(parts) < 3 {
		t.Errorf("one word changed, the whole sentence replaced: %s", show(parts))
	}
	for _, p := range parts {
		if r, _ := utf8.DecodeRuneInString(p.Text); unicode.IsMark(r) {
			t.Errorf("a part begins with a mark cut from its letter: %s", show(parts))
		}
	}
}

// TestSpacing: a change of white space alone is named, for it shows as nothing.
func TestSpacing(t *testing.T) {
	for _, c := range []struct{ from, to, removed, added string }{
		// A run of white space is one token: it is replaced, not lengthened.
		{"First.\nSecond.", "First.\n\nSecond.", "a line break", "2 line breaks"},
		{"First. Second.", "First.\n\nSecond.", "a space", "2 line breaks"},
		{"Two  spaces.", "Two spaces.", "2 spaces", "a space"},
		{"Joined.", "Joined .", "", "a space"},
		{"Tab\there.", "Tab here.", "a tab", "a space"},
		{"Tab\t\there.", "Tab   here.", "2 tabs", "3 spaces"},
	} {
		var removed, added string
		for _, p := range Words(c.from, c.to) {
			switch {
			case p.Removed():
				removed = p.Spacing()
			case p.Added():
				added = p.Spacing()
			case p.Spacing() != "":
				t.Errorf("%q kept, named %q", p.Text, p.Spacing())
			}
		}
		if removed != c.removed || added != c.added {
			t.Errorf("%q → %q: taken out %q, put in %q; want %q and %q", c.from, c.to, removed, added, c.removed, c.added)
		}
	}
	if (Part{Added, "a word "}).Spacing() != "" {
		t.Error("a word named as spacing")
	}
}

// TestWordsWithinNoTime: with no time left the search stops at once: what both texts begin and end
// with is kept, the rest replaced whole, and the parts still give back both texts.
func TestWordsWithinNoTime(t *testing.T) {
	from := "We audited the syllabus of the first year and the clerkships with students."
	to := "We audited the readings of the second year and the electives with students."
	parts := WordsWithin(from, to, 0)
	if a, b := join(parts); a != from || b != to {
		t.Fatalf("joins back to %q and %q", a, b)
	}
	if got := show(parts); got != "We audited the [-syllabus of the first year and the clerkships-]{+readings of the second year and the electives+} with students." {
		t.Errorf("with no time: %s", got)
	}
}
