package storage

// StopImportsAfter makes a batched import stop after n batches, as a crash
// would, until the returned function is called.
func StopImportsAfter(n int) (restore func()) {
	importFailAfter = n
	return func() { importFailAfter = 0 }
}
