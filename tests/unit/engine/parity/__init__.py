"""Parity of `equal_shares` with the reference implementation (pabutools) on pabulib data."""
