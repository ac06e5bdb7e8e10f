package demotest_test

import (
	"slices"
	"testing"
	"time"

	"github.com/structuredgo/scope/internal/demotest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLines(t *testing.T) {
	for _, tc := range []struct {
		out  string
		want []string
	}{
		{"", nil},
		{"\n", []string{""}},
		{"hello\n", []string{"hello"}},
		{"started at 09:30:00\nworld\n", []string{"started at HH:MM:SS", "world"}},
		{"at 23:59:59 and 00:00:01", []string{"at HH:MM:SS and HH:MM:SS"}},
		{"port 123:45:678 stays", []string{"port 123:45:678 stays"}},
	} {
		if got := demotest.Lines(tc.out); !slices.Equal(got, tc.want) {
			t.Errorf("Lines(%q) = %q; want %q", tc.out, got, tc.want)
		}
	}
}

func TestSameLinesIgnoresOrder(t *testing.T) {
	demotest.SameLines(t, []string{"a", "b", "b"}, []string{"b", "a", "b"})
}

func TestElapsed(t *testing.T) {
	for _, tc := range []struct {
		out  string
		want time.Duration
	}{
		{"started at 00:00:00\nhello\nfinished at 00:00:02\n", 2 * time.Second},
		{"started at 23:59:59\nfinished at 00:00:01\n", 2 * time.Second},
		{"started at 12:00:00\nfinished at 12:00:00", 0},
	} {
		if got := demotest.Elapsed(t, tc.out); got != tc.want {
			t.Errorf("Elapsed(%q) = %v; want %v", tc.out, got, tc.want)
		}
	}
}
