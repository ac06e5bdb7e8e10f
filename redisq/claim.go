package redisq

import (
	"context"
	"time"
)

// take runs takeScript: the shutdown marker, abandoned items if it is time
// to look for them (or if look is set), new items, without blocking.
func (q *Queue[T]) take(ctx context.Context, n int, look bool) (any, error) {
	minIdle := int64(-1)
	if q.claimDue() || look {
		minIdle = q.visibility.Milliseconds()
	}
	res, err := q.run(ctx, takeScript, []string{q.stream, q.marker}, group, q.consumer, n, minIdle)
	if err == nil && status(res) == "claimed" {
		q.lastClaim.Store(0) // there may be more: look again at the next Get
	}
	return res, err
}

// claimDue reports whether it is time to look for abandoned items, and if
// so takes the turn. A look walks the whole pending list in Redis
// (XPENDING), so a blocked Get looks at most four times per visibility
// timeout (and at once again after finding some): an abandoned item comes
// back about 1.25 timeouts after it was got, at the latest, to whichever
// consumer asks first. TryGet looks every time. A clock that went back
// (the wall clock stepped, or the Queue is used in a testing/synctest
// bubble, whose clock starts in 2000, after outside it) makes a look due
// at once: waiting for it to catch up stopped the looks for as long
// (TestALookIsDueOnceTheClockWentBack).
func (q *Queue[T]) claimDue() bool {
	last := q.lastClaim.Load()
	now := time.Now().UnixNano()
	if now >= last && now-last < int64(q.visibility/4) {
		return false
	}
	return q.lastClaim.CompareAndSwap(last, now)
}
