//go:build !race

package scope_test

// raceOn: see race_on_test.go.
const raceOn = false
