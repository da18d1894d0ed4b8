import test from 'ava';
import { BoundedLabel, LabelledChildren, OTHER } from '../../src/metrics/bounded-label.js';

test('a label keeps its first values up to the cap and folds the rest into other', (t) => {
  const label = new BoundedLabel(2);
  t.deepEqual(['a', 'b', 'c', 'a', 'd', 'b'].map((value) => label.value(value)), ['a', 'b', OTHER, 'a', OTHER, 'b']);
});

test('children are made once per combination of label values', (t) => {
  const made: string[] = [];
  const children = new LabelledChildren((values) => {
    made.push(values.join('|'));
    return { values: [...values] };
  });
  const first = children.get('chat', 'gpt-4o', 'openai');
  t.is(children.get('chat', 'gpt-4o', 'openai'), first);
  t.not(children.get('chat', 'gpt-4o', 'azure'), first);
  t.not(children.get('embeddings', 'gpt-4o', 'openai'), first);
  t.deepEqual(made, ['chat|gpt-4o|openai', 'chat|gpt-4o|azure', 'embeddings|gpt-4o|openai']);
});
