import { describe, expect, it } from 'vitest';
import { speakableText } from '../../../src/speech/speakable.ts';

describe('speakableText', () => {
  it('spells order ids, item ids and zip codes digit by digit', () => {
    expect(speakableText('My order is #W2378156.')).toBe('My order is W two three seven eight one five six.');
    expect(speakableText('item 9612497925, zip 19122')).toBe('item nine six one two four nine seven nine two five, zip one nine one two two');
  });

  it('spells emails and user ids', () => {
    expect(speakableText('Email yusuf.rossi9620@example.com please')).toBe(
      'Email yusuf dot rossi nine six two zero at example dot com please',
    );
    expect(speakableText('(user id yusuf_rossi_9620)')).toBe('(user id yusuf underscore rossi underscore nine six two zero)');
  });

  it('leaves prices, counts and ordinary words alone', () => {
    const text = 'I paid $54.04 for 2 items in 2024, about 1,200 dollars total. Thanks!';
    expect(speakableText(text)).toBe(text.replace('2024', 'two zero two four'));
  });
});
