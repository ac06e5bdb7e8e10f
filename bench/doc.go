// Package bench compares scope, side by side in one run, with the floors
// (raw goroutines, sync.WaitGroup) and the libraries Go users reach for
// today: errgroup, conc, pond and ants. It is a module of its own so that
// users of scope never download them. README.md gives the command.
//
// Every benchmark is named Workload/params/impl=X, so that
// `benchstat -col /impl` prints each workload's contenders side by side.
package bench
