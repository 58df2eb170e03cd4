module github.com/annlib/ann

go 1.24.0
