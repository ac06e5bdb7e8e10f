package redisq

import (
	"context"
	"time"
)

// take runs takeScript: the shutdown marker, abandoned items if it is time
// to look for them (or if look is set), new items, without blocking.
func (q *Queue[T]) take(ctx context.Context, n int, look bool) (any, error) {
	minIdle, from := int64(-1), "0-0"
	if q.claimDue() || look {
		minIdle = q.visibility.Milliseconds()
		if c := q.cursor.Load(); c != nil {
			from = *c
		}
	}
	res, err := q.run(ctx, takeScript, []string{q.stream, q.marker}, group, q.consumer, n, minIdle, from)
	if err != nil {
		return res, err
	}
	if next := cursorOf(res); next != "" {
		q.cursor.Store(&next)
		if status(res) == "claimed" || next != "0-0" {
			q.lastClaim.Store(0) // there may be more, or the scan is not through: look again at the next Get
		}
	}
	return res, err
}

// scanning reports whether takeScript's reply found nothing, but its look
// through the pending list stopped part-way: ten entries per item asked
// for. The next take goes on from there (see take). Going on at once,
// not a poll interval later, keeps a long list of items held by live
// consumers from holding back an abandoned one behind it by more than a
// few round trips.
func scanning(reply any) bool {
	next := cursorOf(reply)
	return status(reply) == "empty" && next != "" && next != "0-0"
}

// cursorOf reads the cursor of takeScript's reply {status, entries, cursor}.
func cursorOf(reply any) string {
	if r, ok := reply.([]any); ok && len(r) > 2 {
		c, _ := r[2].(string)
		return c
	}
	return ""
}

// claimDue reports whether it is time to look for abandoned items, and if
// so takes the turn. Looking costs an XAUTOCLAIM, so a queue looks at most
// four times per visibility timeout (and at once again after finding some,
// or while the scan of the pending list is not through): an abandoned item
// comes back about 1.25 timeouts after it was got, at the latest, to
// whichever consumer asks first.
func (q *Queue[T]) claimDue() bool {
	last := q.lastClaim.Load()
	now := time.Now().UnixNano()
	if now-last < int64(q.visibility/4) {
		return false
	}
	return q.lastClaim.CompareAndSwap(last, now)
}
