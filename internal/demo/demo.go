// Package demo holds the programs that the examples and the tour run: Go
// translations of the asyncio programs in the seed notes, one function each,
// printing to an io.Writer so that tests can read what they print.
package demo

// clock is how the programs print a time of day: Python's
// time.strftime('%X').
const clock = "15:04:05"
