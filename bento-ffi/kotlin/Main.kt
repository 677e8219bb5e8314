// Smoke test of the generated Kotlin bindings against bento-emulator (a separate process).
// Reads BENTO_PUBLISHABLE_KEY, BENTO_SECRET_KEY, BENTO_SITE_UUID and BENTO_BASE_URL.
import com.bentonow.bento.*
import com.fasterxml.jackson.databind.node.JsonNodeFactory
import java.math.BigInteger
import kotlin.system.exitProcess
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull

var failures = 0
val json: JsonNodeFactory = JsonNodeFactory.instance

fun check(cond: Boolean, what: String) {
    if (cond) println("ok   $what") else { System.err.println("FAIL $what"); failures++ }
}

fun main() {
    val env = System.getenv()
    val secret = env["BENTO_SECRET_KEY"] ?: error("BENTO_SECRET_KEY is not set")
    val config = BentoConfig(
        publishableKey = env["BENTO_PUBLISHABLE_KEY"] ?: error("BENTO_PUBLISHABLE_KEY is not set"),
        secretKey = secret,
        siteUuid = env["BENTO_SITE_UUID"] ?: error("BENTO_SITE_UUID is not set"),
        baseUrl = env["BENTO_BASE_URL"],
        timeoutSecs = 10.0,
        retry = disabledRetrySettings(),
    )
    check(!config.toString().contains(secret), "config.toString() hides the secret key")

    BentoClient(config).use { client ->
        // track
        val tracked = client.track(Event(eventType = "signed_up", email = "kt@example.com",
            detailsJson = """{"source": "kotlin"}"""))
        check(tracked.results == 1L, "track -> 1 accepted")

        // import + find
        val imported = client.importSubscribers(listOf(
            ImportSubscriber(email = "kt@example.com", firstName = "Kay",
                customFields = json.objectNode().put("plan", "pro")
                    .put("big", BigInteger("18446744073709551615")))))
        check(imported.results == 1L, "importSubscribers -> 1 accepted")
        val found = client.findSubscriber("kt@example.com")
        check(found?.email == "kt@example.com", "findSubscriber finds the imported subscriber")
        check(found?.fields?.get("plan")?.asText() == "pro", "custom fields come back as a JsonNode")
        // Jackson reads an integer beyond Long as a BigIntegerNode: exact, not a rounded double
        check(found?.fields?.get("big")?.bigIntegerValue() == BigInteger("18446744073709551615"),
            "a u64 field comes back exact (${found?.fields?.get("big")})")
        check(client.findSubscriber("nobody@example.com") == null, "findSubscriber -> null when unknown")

        // a command
        val queued = client.subscriberCommand(listOf(
            Command.AddTag(email = "kt@example.com", tag = "vip"),
            Command.AddField(email = "kt@example.com", key = "seats", valueJson = "3")))
        check(queued.results == 2L, "subscriberCommand -> 2 queued")

        // free-form JSON: Jackson JsonNodes in Kotlin (the *Json fields keep taking text); a bad
        // value names the field
        val withDetails = client.track(Event(eventType = "page_view", email = "kt@example.com",
            details = json.objectNode().put("url", "/pricing")
                .put("n", BigInteger("18446744073709551615"))))
        check(withDetails.results == 1L, "track with details (a JsonNode) -> 1 accepted")
        check(client.subscriberCommand(listOf(Command.SetField(email = "kt@example.com",
            key = "seats", value = json.numberNode(4)))).results == 1L,
            "Command.SetField with a JsonNode value")
        try {
            client.track(Event(eventType = "x", email = "a@example.com", details = json.objectNode().put("x", Double.NaN)))
            check(false, "NaN in details must throw")
        } catch (e: BentoException.InvalidInput) {
            check(e.field == "events[0].details" && e.reason.contains("not a JSON number"),
                "NaN -> InvalidInput(${e.field}: ${e.reason})")
        }
        try {
            client.track(Event(eventType = "x", email = "a@example.com", details = json.arrayNode().add(1)))
            check(false, "a non-object details must throw")
        } catch (e: BentoException.InvalidInput) {
            check(e.field == "events[0].details", "details not an object -> InvalidInput(${e.field})")
        }

        // chunked import with a report
        val rows = (0 until 25).map { ImportSubscriber(email = "row$it@example.com") }
        val report = client.importSubscribersChunked(rows, 10)
        check(report.chunks == 3L && report.accepted == 25L && report.isComplete,
            "importSubscribersChunked -> 3 chunks, 25 accepted")
        check(report.stopped == null && report.failedChunks.isEmpty(), "a complete run has no stop")
        val seen = mutableListOf<Long>()
        val listener = object : ProgressListener {
            override fun onProgress(progress: Progress) {
                seen.add(progress.recordsDone)
            }
        }
        client.importSubscribersChunked(rows, 10, listener)
        check(seen == listOf(10L, 20L, 25L), "a ProgressListener hears every chunk ($seen)")
        // logs: a listener at DEBUG hears every attempt, with its operation, and no secret
        val logged = java.util.Collections.synchronizedList(mutableListOf<LogRecord>())
        val logListener = object : LogListener {
            override fun log(record: LogRecord) {
                logged.add(record)
            }
        }
        check(setLogListener(logListener, LogLevel.DEBUG), "setLogListener installs the listener")
        client.track(Event(eventType = "logged", email = "kt.log@example.com"))
        setLogListener(null, null)
        val attempts = logged.filter { it.name == "bento.attempt" }
        check(attempts.any { it.fields["operation"] == "TrackEvents" && it.level == LogLevel.DEBUG },
            "a bento.attempt record arrived (${logged.map { it.message }})")
        check(logged.none { r -> listOf(secret, "kt.log@example.com").any { r.message.contains(it) || r.fields.values.any { v -> v.contains(it) } } },
            "no log record holds the secret key or the email")
        val afterUnset = logged.size
        client.getTags()
        check(logged.size == afterUnset, "no record after the listener is removed")
        val short = client.withDeadline(5.0)
        check(short.getTags() is List<*>, "withDeadline gives a working client")

        // broadcasts: the type is a String ("plain"/"raw" documented, any other sent as given)
        val draft = { type: String? -> BroadcastData(name = "kt", subject = "Hi",
            content = "<p>Hi</p>", fromEmail = "sender@example.com", broadcastType = type) }
        val drafts = client.createBroadcasts(listOf(draft("raw"), draft("markdown"), draft(null)))
        check(drafts.results == 3L, "createBroadcasts with broadcastType strings -> 3 created")
        try {
            client.createBroadcasts(listOf(draft(" ")))
            check(false, "a blank broadcastType must throw")
        } catch (e: BentoException.InvalidInput) {
            check(e.field == "broadcasts[0].broadcast_type", "blank broadcastType -> InvalidInput(${e.field})")
        }
        check(client.createTag("kt-tag").siteId != null, "a Tag carries siteId (a JsonNode)")

        // fixtures
        check(client.getSequences().isNotEmpty(), "getSequences")
        check(client.getEmailTemplate("12345")?.subject == "Welcome aboard", "getEmailTemplate")

        // error cases: a BentoException subclass with the core's data
        try {
            client.track(Event(eventType = "x", email = "not-an-email"))
            check(false, "invalid email must throw")
        } catch (e: BentoException.InvalidInput) {
            check(e.field == "events[0].email", "InvalidInput names the field (${e.field})")
        }
        try {
            client.track(Event(eventType = "x", email = "a@example.com", detailsJson = "{oops"))
            check(false, "bad JSON must throw")
        } catch (e: BentoException.InvalidInput) {
            check(e.field == "events[0].details_json", "bad JSON -> InvalidInput(${e.field})")
        }
        try {
            // serde_json would read it as a rounded float: refused, not sent as 1.2345678901234568e23
            client.track(Event(eventType = "x", email = "a@example.com", details = json.objectNode().put("n", BigInteger("123456789012345678901234"))))
            check(false, "an integer beyond 64 bits in JSON text must throw")
        } catch (e: BentoException.InvalidInput) {
            check(e.field == "events[0].details" && e.reason.contains("does not fit in 64 bits"),
                "an integer beyond 64 bits -> InvalidInput(${e.field}: ${e.reason})")
        }
        try {
            client.sendEmails(listOf(EmailData(to = "a@example.com", fromEmail = "stranger@example.com",
                subject = "Hi", htmlBody = "<p>Hi</p>")))
            check(false, "unknown sender must throw")
        } catch (e: BentoException.AuthorNotAuthorized) {
            check(true, "sendEmails from a non-author -> AuthorNotAuthorized")
            check(!e.message.isNullOrBlank(), "AuthorNotAuthorized has a message (${e.message})")
            check(describeError(e).startsWith("The sender is not an author"),
                "describeError(e) reads as a sentence (${describeError(e)})")
            val id = e.requestId
            check(id != null && id.startsWith("req_"), "AuthorNotAuthorized carries the request id ($id)")
            check(describeError(e).contains("(request id $id)"), "describeError(e) names the request id")
        }
    }

    val wrong = config.copy(secretKey = "sk_wrong_SECRET_value")
    BentoClient(wrong).use { client ->
        try {
            client.getTags()
            check(false, "wrong secret must throw")
        } catch (e: BentoException) {
            check(e is BentoException.NotAuthorized, "wrong secret -> NotAuthorized (${e::class.simpleName})")
            val id = (e as? BentoException.NotAuthorized)?.requestId
            check(id != null && id.startsWith("req_"), "NotAuthorized carries the request id ($id)")
            check(!(e.message ?: "").contains("sk_wrong_SECRET_value"), "error text hides the secret key")
        }
    }

    // signed numbers only: a negative page or chunk size is InvalidInput, nothing is sent
    BentoClient(config).use { client ->
        try {
            client.getSequencesPage(-1)
            check(false, "a negative page must throw")
        } catch (e: BentoException.InvalidInput) {
            check(e.field == "page", "negative page -> InvalidInput(${e.field})")
        }
    }

    // use after close: an exception, not undefined behaviour
    val closed = BentoClient(config)
    closed.close()
    try {
        closed.getTags()
        check(false, "a call on a closed client must throw")
    } catch (e: IllegalStateException) {
        check(e.message?.contains("destroyed") == true, "use after close -> IllegalStateException (${e.message})")
    }
    closed.close() // a second close is harmless

    // one client, several threads
    BentoClient(config).use { client ->
        val threads = (0 until 8).map { n ->
            Thread { repeat(5) { i -> client.track(Event(eventType = "thread", email = "t$n-$i@example.com")) } }
        }
        threads.forEach { it.start() }
        threads.forEach { it.join() }
        check(true, "8 threads shared one client")
    }

    // suspend functions: AsyncBentoClient, awaited from coroutines
    AsyncBentoClient(config).use { client ->
        runBlocking {
            val expected = BentoClient(config).use { it.getTags() }
            check(client.getTags() == expected, "AsyncBentoClient.getTags() is the blocking client's answer")
            val calls = (0 until 20).map { n ->
                async { client.track(Event(eventType = "async", email = "async$n@example.com")) }
            }
            check(calls.map { it.await().results } == List(20) { 1L }, "20 concurrent suspend calls")
            try {
                client.track(Event(eventType = "async", email = "not an email"))
                check(false, "a suspend call with an invalid email must throw")
            } catch (e: BentoException.InvalidInput) {
                check(e.field == "events[0].email", "suspend call: InvalidInput names the field (${e.field})")
            }
        }
    }

    // cancelling a suspend call closes its connection (a server that never answers)
    java.net.ServerSocket(0).use { server ->
        var closedAfterMs = -1L
        val watcher = Thread {
            server.accept().use { socket ->
                socket.soTimeout = 10_000
                val started = System.nanoTime()
                try {
                    while (socket.getInputStream().read() != -1) {}
                    closedAfterMs = (System.nanoTime() - started) / 1_000_000
                } catch (e: java.io.IOException) {}
            }
        }
        watcher.start()
        AsyncBentoClient(config.copy(baseUrl = "http://127.0.0.1:${server.localPort}")).use { client ->
            val answer = runBlocking { withTimeoutOrNull(200) { client.getTags() } }
            check(answer == null, "the call was still running when it was cancelled")
            watcher.join(5_000)
            check(closedAfterMs in 0..3_000, "a cancelled suspend call closes its connection (${closedAfterMs} ms)")
        }
    }

    if (failures > 0) {
        System.err.println("kotlin smoke test: $failures failure(s)")
        exitProcess(1)
    }
    println("kotlin smoke test: OK")
}
