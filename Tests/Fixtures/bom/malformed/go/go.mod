go 1.21
require (
  github.com/a/b v1.0.0
