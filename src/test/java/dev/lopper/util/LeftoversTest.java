package dev.lopper.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.*;

/** What the shutdown hook deletes (InterruptCleanupTest signals a real process; this checks the bookkeeping). */
class LeftoversTest {
    @TempDir
    Path tmp;

    @Test
    void deletesWhatIsStillRegisteredOnly() throws Exception {
        Path staging = tmp.resolve(".out.tmp-1");
        Files.createDirectories(staging.resolve("sub"));
        Files.writeString(staging.resolve("sub/model.safetensors"), "x");
        Path done = tmp.resolve("finished.json");
        Files.writeString(done, "{}");
        Leftovers.Registration pending = Leftovers.register(staging);
        Leftovers.register(done).close();          // finished: forgotten, so kept
        Leftovers.deleteAll();
        assertFalse(Files.exists(staging));
        assertTrue(Files.exists(done));
        pending.close();
    }

    /** Temporary siblings (JSON, reports, sample logs) get the default permissions, not createTempFile's 0600. */
    @Test
    void tempSiblingsAreNotOwnerOnly() throws Exception {
        Path target = tmp.resolve("result.json");
        AtomicFiles.writeString(target, "{}");
        Path plain = tmp.resolve("plain");
        Files.writeString(plain, "x");
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(target));
        try (var files = Files.list(tmp)) {
            assertEquals(2, files.count(), "no temporary file left");
        }
    }
}
