package dev.lopper.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lopper.BadInputException;
import dev.lopper.data.TextRequest;
import org.junit.jupiter.api.Test;

class RequestEncoderTest {
    private final WordTokenizer tokenizer = new WordTokenizer();
    private final RequestEncoder encoder = new RequestEncoder(tokenizer);

    @Test
    void continuationIsWholeMinusContext() {
        LoglikRequest r = encoder.encode(new TextRequest("Question: why?\nAnswer:", " yes"));
        assertArrayEquals(tokenizer.encode("Question: why?\nAnswer:", true), r.context());
        assertEquals(WordTokenizer.BOS, r.context()[0]);
        assertEquals(" yes", tokenizer.decode(r.continuation()));
        assertEquals(1, r.continuation().length);
    }

    @Test
    void trailingSpacesMoveToTheContinuation() {
        // Without the move, "yes" would be scored as a bare word after a lone " " token.
        LoglikRequest r = encoder.encode(new TextRequest("Answer: ", "yes"));
        assertEquals("Answer:", tokenizer.decode(r.context()));
        assertArrayEquals(tokenizer.encode(" yes", false), r.continuation());
    }

    @Test
    void choicesOfOneExampleShareTheContextArray() {
        LoglikRequest a = encoder.encode(new TextRequest("Q:", " a"));
        LoglikRequest b = encoder.encode(new TextRequest("Q:", " b"));
        org.junit.jupiter.api.Assertions.assertSame(a.context(), b.context());
        assertEquals(" b", tokenizer.decode(b.continuation()));
    }

    @Test
    void emptyContextIsJustBos() {
        LoglikRequest r = encoder.encode(new TextRequest("", "Hello world"));
        assertArrayEquals(new int[] {WordTokenizer.BOS}, r.context());
        assertEquals("Hello world", tokenizer.decode(r.continuation()));
    }

    @Test
    void emptyContinuationIsRejected() {
        assertThrows(BadInputException.class, () -> encoder.encode(new TextRequest("context", "")));
    }
}
