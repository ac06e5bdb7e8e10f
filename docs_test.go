package scope_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The docs name the tests, examples and programs that pin what they say
// (doc/semantics.md: "each rule with the test that pins it"). A name that
// no longer exists leaves a rule unpinned without anyone noticing: so each
// name that the docs (outside their code blocks) and the Go sources give
// must be a function of some _test.go file in the repository, and each
// examples/ folder they name must exist.
func TestTheDocsNameWhatExists(t *testing.T) {
	funcs := testFuncs(t)
	docs, _ := filepath.Glob("doc/*.md")
	docs = append(docs, "README.md", "bench/README.md")
	docs = append(docs, sources(t)...) // their comments name tests too
	named := regexp.MustCompile(`\b(?:Test|Example|Fuzz|Benchmark)[A-Z_][A-Za-z0-9_]*`)
	folder := regexp.MustCompile(`\b(?:redisq/)?examples/[a-z]+`)
	for _, doc := range docs {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		prose := outsideCode(string(text))
		for _, name := range named.FindAllString(prose, -1) {
			if !funcs[name] {
				t.Errorf("%s names %s, which no _test.go file has: rename it there, or pin the rule again", doc, name)
			}
		}
		for _, dir := range folder.FindAllString(prose, -1) {
			if _, err := os.Stat(dir); err != nil {
				t.Errorf("%s names %s, which does not exist", doc, dir)
			}
		}
	}
}

// sources returns the repository's Go files that are not tests.
func sources(t *testing.T) []string {
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// testFuncs returns the names of the functions of every _test.go file in
// the repository, nested modules and against_test.go.txt included.
func testFuncs(t *testing.T) map[string]bool {
	decl := regexp.MustCompile(`(?m)^func ([A-Za-z0-9_]+)\(`)
	funcs := map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !strings.HasSuffix(path, "_test.go") && !strings.HasSuffix(path, "_test.go.txt") {
			return nil
		}
		src, err := os.ReadFile(path)
		for _, m := range decl.FindAllStringSubmatch(string(src), -1) {
			funcs[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return funcs
}

// outsideCode returns md without its fenced code blocks, where names are a
// reader's own (func TestSomething) rather than the repository's.
func outsideCode(md string) string {
	var b strings.Builder
	in := false
	for line := range strings.Lines(md) {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			in = !in
			continue
		}
		if !in {
			b.WriteString(line)
		}
	}
	return b.String()
}
