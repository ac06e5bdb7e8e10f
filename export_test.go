package scope

// Crowd makes q act as if enough goroutines were always waiting for its lock
// to crowd it, so that every Put or Get about to park first yields and looks
// again (Queue.crowded): the tests run that path on purpose, not by chance.
func Crowd[T any](q *Queue[T]) { q.contending.Add(crowdedAt) }

// HoldClaims runs hold between a failure's claim of the scope and its
// cancel, until the returned function is called.
func HoldClaims(hold func()) (release func()) {
	testHookClaimed = hold
	return func() { testHookClaimed = nil }
}
