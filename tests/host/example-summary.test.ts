// The Open dialog's summary of an example: a plain-text title and description from its markdown.
import { describe, expect, it } from 'vitest';
import { DESCRIPTION_LIMIT, exampleSummary, plainText, truncateWords } from '../../src-main/host/example-summary';
import { markdownCell, newNotebook } from '../../src-main/notebook/notebook';

/** A notebook whose only cell is `md`. */
function withMarkdown(md: string) {
  const nb = newNotebook({});
  nb.cells.push(markdownCell(md));
  return nb;
}

describe('example summaries', () => {
  it('removes markdown markup and keeps the words', () => {
    expect(plainText('**What it shows.** A *chase* over `tlb.c`, see [RESULTS](x.md#5) and snake_case_names.'))
      .toBe('What it shows. A chase over tlb.c, see RESULTS and snake_case_names.');
    expect(plainText('1. **one** thing\n2. another\n- a bullet')).toBe('one thing another a bullet');
  });

  it('takes the paragraph after the first heading, running on into a list the paragraph introduces', () => {
    const s = exampleSummary(withMarkdown('# The `zap` title\n\n**Two things:**\n\n1. first\n2. second\n\nLater text.'), 'x.ipynb');
    expect(s).toEqual({ title: 'The zap title', description: 'Two things: first second' });
    expect(exampleSummary(withMarkdown('No heading here.\n\nSecond.'), 'x.ipynb')).toEqual({ title: 'x.ipynb', description: 'No heading here.' });
  });

  it('cuts a long description at a word, with an ellipsis', () => {
    const long = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    const d = exampleSummary(withMarkdown(`# T\n\n${long}`), 'x.ipynb').description;
    expect(d.length).toBeLessThanOrEqual(DESCRIPTION_LIMIT);
    expect(d.endsWith('…')).toBe(true);
    expect(long.startsWith(d.slice(0, -1))).toBe(true);
    expect(d.slice(0, -1).endsWith(' ')).toBe(false);
    expect(truncateWords('short', 10)).toBe('short');
  });
});
