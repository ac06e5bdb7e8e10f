// Package demotest holds what the tests of the examples share: reading what a
// program printed when two tasks may print in either order and times of day
// vary from run to run.
package demotest

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Clock is what [Lines] puts in place of every time of day.
const Clock = "HH:MM:SS"

var timeOfDay = regexp.MustCompile(`\b\d\d:\d\d:\d\d\b`)

// Lines splits out into lines, with every time of day (such as 09:30:00)
// masked as [Clock]. A final newline does not make an empty last line.
func Lines(out string) []string {
	if out == "" {
		return nil
	}
	out = strings.TrimSuffix(out, "\n")
	return strings.Split(timeOfDay.ReplaceAllString(out, Clock), "\n")
}

// SameLines fails t unless got and want hold the same lines, each as many
// times, in any order: Go does not fix which of two tasks prints first.
func SameLines(t testing.TB, got, want []string) {
	t.Helper()
	g, w := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(g, w) {
		t.Errorf("got lines (in any order)\n\t%s\nwant\n\t%s",
			strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// Elapsed returns the time between the lines "started at HH:MM:SS" and
// "finished at HH:MM:SS" in out, failing t unless out has exactly one of
// each. A finish past midnight counts as the next day.
func Elapsed(t testing.TB, out string) time.Duration {
	t.Helper()
	started, finished := timeAfter(t, out, "started at "), timeAfter(t, out, "finished at ")
	d := finished.Sub(started)
	if d < 0 {
		d += 24 * time.Hour
	}
	return d
}

// timeAfter returns the time of day on the one line of out that starts with
// prefix.
func timeAfter(t testing.TB, out, prefix string) time.Time {
	t.Helper()
	var found []string
	for line := range strings.Lines(out) {
		if s, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), prefix); ok {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("got %d lines starting %q in\n%s\nwant 1", len(found), prefix, out)
	}
	tm, err := time.Parse(time.TimeOnly, found[0])
	if err != nil {
		t.Fatalf("line %q%s: %v", prefix, found[0], err)
	}
	return tm
}
