package dev.lopper.eval;

import dev.lopper.io.Tokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test tokenizer in the SentencePiece spirit: a space belongs to the word after it
 * (" yes" is one token), so splitting a request at the wrong place changes the tokens.
 */
final class WordTokenizer implements Tokenizer {
    static final int BOS = 1;
    static final int EOS = 2;
    private static final Pattern PIECE = Pattern.compile(" ?[^ ]+| ");

    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String> pieces = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));

    @Override
    public synchronized int[] encode(String text, boolean addBos) {
        List<Integer> out = new ArrayList<>();
        if (addBos) out.add(BOS);
        Matcher m = PIECE.matcher(text);
        while (m.find()) {
            out.add(ids.computeIfAbsent(m.group(), p -> {
                pieces.add(p);
                return pieces.size() - 1;
            }));
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public synchronized String decode(int[] tokens) {
        StringBuilder sb = new StringBuilder();
        for (int id : tokens) if (id > EOS) sb.append(pieces.get(id));
        return sb.toString();
    }

    @Override
    public String decodeToken(int previous, int id) {
        return decode(new int[] {id});
    }

    @Override public int vocabSize() { return pieces.size(); }
    @Override public int bosId() { return BOS; }
    @Override public int eosId() { return EOS; }
}
