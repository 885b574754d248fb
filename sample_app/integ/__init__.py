"""Integration tests of the sample (deploy to a real account with `integ-runner`; never run by `make test`)."""
