module github.com/acme/shop

go 1.21

require github.com/gorilla/mux v1.8.0

require (
	github.com/stretchr/testify v1.8.4
	golang.org/x/net v0.12.0 // indirect
)

replace github.com/old/dep => ../dep
