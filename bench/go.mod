module github.com/structuredgo/scope/bench

go 1.26.0

require github.com/structuredgo/scope v0.0.0

replace github.com/structuredgo/scope => ../
