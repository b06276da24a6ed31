package dev.lopper.tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gives added tokens the ids that HF gives them, which are not always the ids written in
 * tokenizer.json: HF adds the tokens one by one, in file order, and ignores the written id. A
 * token already in the vocabulary (or added before) keeps that id; a new one gets the next id
 * after the vocabulary's size or after the largest added id. A file whose ids skip numbers is
 * therefore renumbered, and models are trained with HF's ids, so those are the ones to use.
 */
final class AddedTokenIds {
    private AddedTokenIds() {}

    /**
     * The tokens of the file with HF's ids; one entry per distinct content, whose options are
     * those of its last entry (HF overwrites them) and which is special if any entry was.
     */
    static List<AddedToken> assign(List<AddedToken> written, Map<String, Integer> vocab) {
        int vocabSize = vocab.size(); // HF counts entries, even when vocabulary ids have gaps
        Map<String, AddedToken> byContent = new LinkedHashMap<>();
        int largest = -1;
        for (AddedToken token : written) {
            if (token.content().isEmpty()) continue; // HF ignores empty tokens
            AddedToken before = byContent.get(token.content());
            Integer known = before != null ? Integer.valueOf(before.id()) : vocab.get(token.content());
            int id = known != null ? known : largest >= vocabSize ? largest + 1 : vocabSize;
            largest = Math.max(largest, id);
            boolean special = token.special() || (before != null && before.special());
            byContent.put(token.content(), new AddedToken(id, token.content(), special, token.normalized(),
                    token.lstrip(), token.rstrip(), token.singleWord()));
        }
        return new ArrayList<>(byContent.values());
    }
}
