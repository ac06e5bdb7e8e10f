package scope

// Crowd makes q act as if two goroutines were always waiting for its lock, so
// that every Put or Get about to park first yields and looks again
// (Queue.crowded): the tests run that path on purpose, not by chance.
func Crowd[T any](q *Queue[T]) { q.contending.Add(2) }
