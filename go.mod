module github.com/structuredgo/scope

go 1.26.0
