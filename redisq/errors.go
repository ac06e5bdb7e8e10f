package redisq

import (
	"context"
	"errors"
	"fmt"

	"github.com/structuredgo/scope"
)

// The errors of a [Queue]. They are scope's own, so errors.Is matches a
// redisq error against scope.ErrQueueShutDown and the others as well.
var (
	ErrShutDown = scope.ErrQueueShutDown // Put after a shutdown; Get once drained
	ErrFull     = scope.ErrQueueFull     // TryPut on a full queue
	ErrEmpty    = scope.ErrQueueEmpty    // TryGet on an empty queue
)

// needContext panics with a clear message if ctx is nil, which would
// otherwise fail in a nil dereference inside the Redis client, far from the
// call. Every method that takes a context checks it first.
// check panics with a clear message if q was not made by Open (a nil or zero
// Queue has no client to call), or if ctx is nil.
func (q *Queue[T]) check(ctx context.Context) {
	if q == nil || q.rdb == nil {
		panic("redisq: a nil or zero Queue; make one with Open")
	}
	needContext(ctx)
}

func needContext(ctx context.Context) {
	if ctx == nil {
		panic("redisq: nil Context; pass context.Background(), context.TODO() or the caller's context")
	}
}

// ErrMalformed is what a [*MalformedError] matches with errors.Is.
var ErrMalformed = errors.New("redisq: malformed entry")

// A MalformedError reports a stream entry that does not decode into an item:
// written by another program, another version, or another codec. The entry
// was moved to the queue's malformed stream (Stream) and acknowledged, so it
// holds no one back; the items after it are unaffected, and the next Get
// returns them.
type MalformedError struct {
	ID     string // the entry's id in the queue's stream
	Stream string // the stream it was moved to, for inspection with XRANGE
	Err    error  // why it does not decode
}

// Error says which entry, why, and where it went.
func (e *MalformedError) Error() string {
	return fmt.Sprintf("redisq: entry %s does not decode (%v); it was moved to stream %s: inspect it there, the queue goes on",
		e.ID, e.Err, e.Stream)
}

// Unwrap returns the decoding error.
func (e *MalformedError) Unwrap() error { return e.Err }

// Is reports whether target is [ErrMalformed].
func (e *MalformedError) Is(target error) bool { return target == ErrMalformed }

var _ error = (*MalformedError)(nil)
