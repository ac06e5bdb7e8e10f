//go:build race

package scope_test

// raceOn: the race detector's runtime allocates on its own account, so tests
// that count allocations skip under -race.
const raceOn = true
