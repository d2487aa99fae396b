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

// timeout bounds the search for the shortest edit; past it the diff is still right, only coarser.
const timeout = 200 * time.Millisecond

// Words returns the parts that turn from into to: the Same and Removed parts joined give from, the
// Same and Added parts joined give to. Removed comes before Added where both replace one stretch.
// Equal texts give one Same part; empty texts give none.
func Words(from, to string) []Part {
	if from == to {
		if from == "" {
			return nil
		}
		return []Part{{Same, from}}
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
	dmp.DiffTimeout = timeout
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

// split cuts s into words (letters, digits and the marks on them), runs of white space, and every
// other character alone.
func split(s string) []string {
	var out []string
	start, class := 0, -1
	for i, r := range s {
		c := classOf(r)
		if i > start && (c != class || c == 2) {
			out = append(out, s[start:i])
			start = i
		}
		class = c
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func classOf(r rune) int {
	switch {
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
		return 0
	case unicode.IsSpace(r):
		return 1
	}
	return 2
}
