package dev.lopper;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The embedded golden files are the ones ORIGIN.md names, and a missing golden file fails CI instead of skipping. */
class SharedDataTest {

    @Test
    void embeddedFilesHaveTheChecksumsOriginMdRecords() throws IOException, NoSuchAlgorithmException {
        Path origin = SharedData.embedded("ORIGIN.md");
        assertNotNull(origin, "src/test/resources/shared-data/ORIGIN.md");
        String md = Files.readString(origin);
        int checked = 0;
        for (String folder : new String[] {"stories260K", "stories260K-hf"}) {
            String section = md.substring(md.indexOf("## `models/" + folder + "/`"));
            section = section.substring(0, section.indexOf("\n## ", 4) < 0 ? section.length() : section.indexOf("\n## ", 4));
            Matcher m = Pattern.compile("\\| ([\\w.-]+) \\| (\\d+) \\| ([0-9a-f]{64})").matcher(section);
            while (m.find()) {
                Path file = SharedData.require("models/" + folder + "/" + m.group(1));
                assertEquals(file, SharedData.embedded("models/" + folder + "/" + m.group(1)), "embedded copy first");
                byte[] bytes = Files.readAllBytes(file);
                assertEquals(Long.parseLong(m.group(2)), bytes.length, file.toString());
                assertEquals(m.group(3), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)),
                        file.toString());
                checked++;
            }
        }
        assertEquals(11, checked, "files listed in ORIGIN.md");
    }

    @Test
    void aMissingFileSkipsButFailsOnCiWhenTheSharedFolderExists() {
        Path missing = SharedData.dir().resolve("no-such-folder/no-such-file");
        assertThrows(TestAbortedException.class, () -> SharedData.skipOrFail(missing, null));
        assertThrows(TestAbortedException.class, () -> SharedData.skipOrFail(missing, "false"));
        if (Files.isDirectory(SharedData.dir())) {
            AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> SharedData.skipOrFail(missing, "true"));
            assertTrue(e.getMessage().contains("no-such-file"), e.getMessage());
        } else {    // a fresh clone without the folder: nothing to insist on
            assertThrows(TestAbortedException.class, () -> SharedData.skipOrFail(missing, "true"));
        }
    }
}
