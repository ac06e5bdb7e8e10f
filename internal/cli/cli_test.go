package cli

import (
	"bytes"
	"flag"
	"io"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// parse runs Parse on a flag set with one flag, -n, and returns what the
// flag set printed and what report makes of Parse's error.
func parse(args ...string) (code int, printed, reported string) {
	fs := flag.NewFlagSet("cmd", flag.ContinueOnError)
	var out, stderr bytes.Buffer
	fs.SetOutput(&out)
	fs.Int("n", 1, "a number")
	code = report("cmd", Parse(fs, args), &stderr)
	return code, out.String(), stderr.String()
}

// A mistake in the command line exits 2, as the flag package's own
// ExitOnError does, and is printed once: by the flag set if it found it.
func TestCommandLineMistakesExit2PrintedOnce(t *testing.T) {
	code, printed, reported := parse("-bogus")
	if code != 2 || !strings.Contains(printed, "flag provided but not defined: -bogus") || reported != "" {
		t.Errorf("-bogus: exit %d, flag set printed %q, report printed %q; want 2, the flag set's message, nothing more", code, printed, reported)
	}
	code, printed, reported = parse("-n", "1", "extra")
	if code != 2 || printed != "" || reported != `cmd: unexpected arguments ["extra"]; cmd takes flags only (-h lists them)`+"\n" {
		t.Errorf("extra argument: exit %d, flag set printed %q, report printed %q; want 2 and one line naming it", code, printed, reported)
	}
	var stderr bytes.Buffer
	if code := report("cmd", Positive("unit", 0), &stderr); code != 2 || stderr.String() != "cmd: -unit 0s: want a positive duration\n" {
		t.Errorf("-unit 0: exit %d, printed %q; want 2 and the reason", code, stderr.String())
	}
}

// -h prints the usage and exits 0; a run that went well exits 0 silently.
func TestHelpAndSuccessExit0(t *testing.T) {
	if code, printed, reported := parse("-h"); code != 0 || !strings.Contains(printed, "-n int") || reported != "" {
		t.Errorf("-h: exit %d, flag set printed %q, report printed %q; want 0 and the usage", code, printed, reported)
	}
	if code, printed, reported := parse("-n", "3"); code != 0 || printed != "" || reported != "" {
		t.Errorf("-n 3: exit %d, printed %q and %q; want 0 and nothing", code, printed, reported)
	}
}

// Any other failure is printed once, named by the command, and exits 1.
func TestFailureExits1(t *testing.T) {
	var stderr bytes.Buffer
	if code := report("cmd", io.ErrUnexpectedEOF, &stderr); code != 1 || stderr.String() != "cmd: unexpected EOF\n" {
		t.Errorf("failure: exit %d, printed %q; want 1 and the error", code, stderr.String())
	}
}
