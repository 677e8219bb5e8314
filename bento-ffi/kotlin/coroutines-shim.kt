// Test-only: the generated bindings import `kotlinx.coroutines.DelicateCoroutinesApi`
// (kotlinx-coroutines 1.5+), and the only kotlinx-coroutines this machine can install is
// Debian's 1.0.1 (no Maven Central here). Everything else the suspend functions use exists in
// 1.0.1. An app depends on a current kotlinx-coroutines-core instead and does not compile this.
package kotlinx.coroutines

@RequiresOptIn
@Retention(AnnotationRetention.BINARY)
annotation class DelicateCoroutinesApi
