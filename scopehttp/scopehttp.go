// Package scopehttp serves the live tree of scopes and tasks over HTTP, for
// a server to mount next to net/http/pprof:
//
//	mux := http.NewServeMux()
//	mux.Handle("/debug/scopes", scopehttp.Handler())
//	mux.HandleFunc("/debug/pprof/", pprof.Index)
//
// Then
//
//	curl localhost:8080/debug/scopes                  # the whole tree, as text
//	curl 'localhost:8080/debug/scopes?format=json'    # as JSON
//	curl 'localhost:8080/debug/scopes?scope=crawler'  # the scopes named crawler, with what hangs under them
//	curl 'localhost:8080/debug/scopes?waiting=1'      # what blocked Waits still wait for
//
// The tree lists only the scopes that track their tasks: turn tracking on
// for the process with SCOPE_TRACK=1 in the environment or
// scope.SetTracking(scope.TrackTasks) at start-up, or for one scope with
// scope.WithTracking(scope.TrackTasks). The text and JSON forms are those of
// [scope.Tree.WriteText] and [scope.Tree.WriteJSON].
//
// It is a package of its own so that the scope package does not pull
// net/http into every binary.
package scopehttp

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/structuredgo/scope"
)

// Handler returns a handler that serves [scope.Snapshot]: every live tracked
// scope of the process, with its tasks. It answers GET and HEAD; any other
// method gets 405 Method Not Allowed. The query may hold:
//
//   - format=text (the default), text/plain, one line per scope or task,
//     indented like pstree; or format=json, application/json, the flat list
//     of nodes with parent links documented by [scope.Node];
//   - scope=NAME: only the scopes named NAME, each with everything under it
//     ([scope.Tree.Subtree]); scope= with no name means every scope;
//   - waiting=1: only scopes whose Wait is blocked, each with everything
//     under it: what those Waits still wait for ([scope.Tree.InWait]).
//     waiting=0 means every scope; any value [strconv.ParseBool] takes is
//     accepted, and so is none (?waiting), meaning 1. With scope=NAME, the
//     blocked Waits in and under the scopes named NAME.
//
// Any other parameter, a value repeated, or a value it does not know gets
// 400 Bad Request with a message that says what it accepts.
//
// When the tree is empty, the text says how to turn tracking on, since
// that is the likely reason; when a filter leaves nothing of it, the text
// says which. The JSON is then a valid tree with no nodes. A name that
// matches no scope is not an error: scopes come and go.
func Handler() http.Handler {
	return HandlerFor(scope.Snapshot)
}

// HandlerFor returns a handler that serves the trees snapshot returns, as
// [Handler] does with [scope.Snapshot]: HandlerFor(s.Snapshot) serves scope
// s with its tasks, tracked or not, and, if s is tracked, the tracked scopes
// under them (once
// s's Wait has returned, s alone, closed). HandlerFor panics if snapshot is
// nil.
func HandlerFor(snapshot func() scope.Tree) http.Handler {
	if snapshot == nil {
		panic("scopehttp: HandlerFor with a nil snapshot function; pass scope.Snapshot or a scope's Snapshot method")
	}
	return handler{snapshot}
}

type handler struct {
	snapshot func() scope.Tree
}

// ServeHTTP renders the whole response before writing any of it, so that a
// failure can still become a 500, and Content-Length is exact.
func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		fail(w, http.StatusMethodNotAllowed, fmt.Sprintf("scopehttp: method %s not allowed; use GET or HEAD", r.Method))
		return
	}
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	var body bytes.Buffer
	contentType, err := render(&body, h.snapshot(), q)
	if err != nil {
		fail(w, http.StatusInternalServerError, "scopehttp: "+err.Error())
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", contentType)
	hdr.Set("Content-Length", strconv.Itoa(body.Len()))
	hdr.Set("Cache-Control", "no-store") // a snapshot is stale at once
	hdr.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	// An error here means the client went away: there is no one left to
	// tell, and nothing to undo.
	_, _ = w.Write(body.Bytes())
}

// fail answers with an error message, as text.
func fail(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.Error(w, msg, code)
}
