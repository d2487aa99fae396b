// Package textdiff tells how one text became another, word by word, for people to read: what was
// kept, what was taken out and what was put in.
//
// The texts are cut into words, runs of white space and single marks of punctuation; the edit
// between the two lists is found by diff-match-patch's Myers diff, each token standing for one
// character, and then grouped so that a rewritten phrase reads as one removal and one addition
// rather than as many one-word edits between the words they happen to share ("the", "of").
package textdiff

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Kind says what happened to a part of the text.
type Kind int8

const (
	// Same is in both texts.
	Same Kind = iota
	// Added is only in the new text.
	Added
	// Removed is only in the old text.
	Removed
)

// Part is a stretch of text and what happened to it.
type Part struct {
	Kind Kind
	Text string
}

// Added and Removed report the kind, for templates.
func (p Part) Added() bool   { return p.Kind == Added }
func (p Part) Removed() bool { return p.Kind == Removed }

// Blank reports whether a part taken out or put in is only white space, which shows as nothing.
func (p Part) Blank() bool { return p.Kind != Same && strings.TrimSpace(p.Text) == "" }

// Spacing names the white space of a Blank part, for readers to see: "a line break", "2 spaces".
func (p Part) Spacing() string {
	if !p.Blank() {
		return ""
	}
	switch lines, tabs, n := strings.Count(p.Text, "\n"), strings.Count(p.Text, "\t"), utf8.RuneCountInString(p.Text); {
	case lines == 1:
		return "a line break"
	case lines > 1:
		return strconv.Itoa(lines) + " line breaks"
	case tabs > 0 && tabs == n:
		return plural(tabs, "a tab", " tabs")
	default:
		return plural(n, "a space", " spaces")
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return strconv.Itoa(n) + many
}

// Limit bounds the search for the shortest edit of two texts; past it the diff is still right,
// only coarser (at worst, the text between what both begin and end with, taken out and put in).
const Limit = 100 * time.Millisecond

// Words returns the parts that turn from into to: the Same and Removed parts joined give from, the
// Same and Added parts joined give to. Removed comes before Added where both replace one stretch.
// Equal texts give one Same part; empty texts give none. The search takes at most Limit.
func Words(from, to string) []Part { return WordsWithin(from, to, Limit) }

// WordsWithin is Words with the search bounded by limit; with none left (limit <= 0), only what the
// texts begin and end with is kept.
func WordsWithin(from, to string, limit time.Duration) []Part {
	if from == to {
		if from == "" {
			return nil
		}
		return []Part{{Same, from}}
	}
	if limit <= 0 {
		return replaced(from, to)
	}
	codes := map[string]rune{}
	var tokens []string
	encode := func(s string) []rune {
		var out []rune
		for _, t := range split(s) {
			r, ok := codes[t]
			if !ok {
				r = rune(len(tokens))
				if r >= 0xD800 {
					r += 0x800 // past the surrogates, which are not characters
				}
				codes[t] = r
				tokens = append(tokens, t)
			}
			out = append(out, r)
		}
		return out
	}
	a, b := encode(from), encode(to)
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = max(limit, time.Nanosecond) // 0 would be no bound
	diffs := dmp.DiffMainRunes(a, b, false)
	out := make([]Part, 0, len(diffs))
	for _, d := range diffs {
		var sb strings.Builder
		for _, r := range d.Text {
			if r >= 0xE000 {
				r -= 0x800
			}
			sb.WriteString(tokens[r])
		}
		k := Same
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			k = Added
		case diffmatchpatch.DiffDelete:
			k = Removed
		}
		if n := len(out); n > 0 && out[n-1].Kind == k {
			out[n-1].Text += sb.String()
		} else if sb.Len() > 0 {
			out = append(out, Part{k, sb.String()})
		}
	}
	return group(out)
}

// replaced keeps the words the texts begin and end with, up to the white space before the first
// difference and after the last, and replaces what is between whole: no search.
func replaced(from, to string) []Part {
	p := 0
	for p < len(from) && p < len(to) && from[p] == to[p] {
		p++
	}
	if p < len(from) || p < len(to) { // back to the white space before the difference
		p = strings.LastIndexFunc(from[:p], unicode.IsSpace) + 1
		if p > 0 {
			_, n := utf8.DecodeRuneInString(from[p-1:])
			p += n - 1
		}
	}
	q := 0
	for q < len(from)-p && q < len(to)-p && from[len(from)-1-q] == to[len(to)-1-q] {
		q++
	}
	if i := strings.IndexFunc(from[len(from)-q:], unicode.IsSpace); i >= 0 {
		q -= i
	} else {
		q = 0
	}
	var out []Part
	for _, x := range []Part{{Same, from[:p]}, {Removed, from[p : len(from)-q]}, {Added, to[p : len(to)-q]}, {Same, from[len(from)-q:]}} {
		if x.Text != "" {
			out = append(out, x)
		}
	}
	return out
}

// group takes a stretch kept between two edits into them when it is no longer than the edits on
// either side (weighed in characters, as a reader does): " the " between a rewritten clause and a
// rewritten noun becomes part of one removal and one addition. As diff-match-patch's semantic
// clean-up does with characters, here with whole words.
func group(parts []Part) []Part {
	edits := func(i, step int) (removed, added int, from int) {
		for from = i; from >= 0 && from < len(parts) && parts[from].Kind != Same; from += step {
			n := utf8.RuneCountInString(parts[from].Text)
			if parts[from].Kind == Removed {
				removed += n
			} else {
				added += n
			}
		}
		return removed, added, from - step
	}
	for i := 1; i < len(parts)-1; {
		if parts[i].Kind != Same {
			i++
			continue
		}
		n := utf8.RuneCountInString(parts[i].Text)
		lr, la, first := edits(i-1, -1)
		rr, ra, last := edits(i+1, 1)
		if n > max(lr, la) || n > max(rr, ra) || first > i-1 || last < i+1 {
			i++
			continue
		}
		var removed, added strings.Builder
		for _, p := range parts[first : last+1] {
			if p.Kind != Added {
				removed.WriteString(p.Text)
			}
			if p.Kind != Removed {
				added.WriteString(p.Text)
			}
		}
		parts = slices.Replace(parts, first, last+1, Part{Removed, removed.String()}, Part{Added, added.String()})
		// The stretch kept before may now be between longer edits.
		i = max(1, first-1)
	}
	return parts
}

// split cuts s into words (letters and digits), runs of white space, and every other character
// alone: punctuation, symbols, and the letters of scripts written without spaces between words
// (Chinese, Japanese, Thai and others), where a letter is the smallest part a reader would see
// replaced. What is drawn on the character before it stays with it: combining marks (an accent
// typed apart, a Thai vowel), variation selectors and skin tones, and what a zero-width joiner
// joins (the people of a family emoji).
func split(s string) []string {
	var out []string
	start, class, glued := 0, -1, false
	for i, r := range s {
		if i > start && (glued || joins(r)) {
			glued = r == zwj
			continue
		}
		c := classOf(r)
		if i > start && (c != class || c == single) {
			out = append(out, s[start:i])
			start = i
		}
		class, glued = c, r == zwj
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

const (
	word = iota
	space
	single
)

const zwj = '\u200d'

// unspaced are the scripts written without spaces between words.
var unspaced = []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao,
	unicode.Khmer, unicode.Myanmar, unicode.Tibetan}

func classOf(r rune) int {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9':
			return word
		case r == ' ' || '\t' <= r && r <= '\r':
			return space
		}
		return single
	}
	switch {
	case r >= 0x0E00 && unicode.In(r, unspaced...): // Thai, the first of them, begins at U+0E00
		return single
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
		return word
	case unicode.IsSpace(r):
		return space
	}
	return single
}

// joins reports whether r is drawn on the character before it.
func joins(r rune) bool {
	return r >= 0x0300 && unicode.IsMark(r) || r == zwj ||
		(r >= 0xFE00 && r <= 0xFE0F) || (r >= 0xE0100 && r <= 0xE01EF) || // variation selectors
		(r >= 0x1F3FB && r <= 0x1F3FF) || // skin tones
		(r >= 0xE0020 && r <= 0xE007F) // the tags of a flag
}
