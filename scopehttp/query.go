package scopehttp

import (
	"bytes"
	"fmt"
	"net/url"
	"sort"
	"strconv"

	"github.com/structuredgo/scope"
)

// A query is what a request asks for.
type query struct {
	json    bool
	scope   string // "" for every scope
	waiting bool
}

// parseQuery reads a request's raw query. It is strict: a misspelt
// parameter that was silently ignored would show the whole tree to someone
// who asked for a part, and they could not tell.
func parseQuery(raw string) (query, error) {
	var q query
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return q, fmt.Errorf("scopehttp: bad query %q: %v", raw, err)
	}
	for _, k := range sortedKeys(vals) {
		if len(vals[k]) > 1 {
			return q, fmt.Errorf("scopehttp: %s given %d times; give it once", k, len(vals[k]))
		}
		v := vals[k][0]
		switch k {
		case "format":
			q.json, err = parseFormat(v)
		case "scope":
			q.scope = v
		case "waiting":
			q.waiting, err = parseWaiting(v)
		default:
			err = fmt.Errorf("scopehttp: unknown parameter %q; use format=text|json, scope=NAME, waiting=1", k)
		}
		if err != nil {
			return q, err
		}
	}
	return q, nil
}

func parseFormat(v string) (json bool, err error) {
	switch v {
	case "", "text":
		return false, nil
	case "json":
		return true, nil
	}
	return false, fmt.Errorf("scopehttp: unknown format %q; use format=text (the default) or format=json", v)
}

// parseWaiting takes what strconv.ParseBool does, and no value at all for
// true, so that ?waiting works as a flag.
func parseWaiting(v string) (bool, error) {
	if v == "" {
		return true, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("scopehttp: bad waiting value %q; use waiting=1 (or true) or waiting=0 (or false)", v)
	}
	return b, nil
}

// sortedKeys orders the parameters, so that of two bad ones the same is
// always reported.
func sortedKeys(vals url.Values) []string {
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// render writes what q asks for of all to b and returns its content type.
func render(b *bytes.Buffer, all scope.Tree, q query) (contentType string, err error) {
	tree := all
	if q.scope != "" {
		tree = tree.Subtree(q.scope)
	}
	named := tree.Len()
	if q.waiting {
		tree = tree.InWait()
	}
	switch {
	case q.json:
		return "application/json", tree.WriteJSON(b)
	case tree.Len() > 0:
		return text, tree.WriteText(b)
	case all.Len() == 0:
		_, err = b.WriteString(untracked)
	case named == 0:
		_, err = fmt.Fprintf(b, "no live scope is named %q (of %s)\n", q.scope, nodes(all.Len()))
	case q.scope != "":
		_, err = fmt.Fprintf(b, "no Wait is blocked in the scopes named %q or under them\n", q.scope)
	default:
		_, err = fmt.Fprintf(b, "no Wait is blocked (of %s)\n", nodes(all.Len()))
	}
	return text, err
}

const text = "text/plain; charset=utf-8"

// untracked is the text for an empty tree: most likely, tracking is off.
// The scope package has no way to ask whether it is, so the text says what
// turns it on rather than that it is off.
const untracked = `no live scope tracks its tasks.
Tracking is off unless turned on: for the process, set SCOPE_TRACK=1 in the
environment, or call scope.SetTracking(scope.TrackTasks) at start-up; for one
scope, pass scope.WithTracking(scope.TrackTasks) to New or Run.
`

// nodes counts a tree's nodes for people: "1 scope or task", "2 scopes and tasks".
func nodes(n int) string {
	if n == 1 {
		return "1 scope or task"
	}
	return fmt.Sprintf("%d scopes and tasks", n)
}
