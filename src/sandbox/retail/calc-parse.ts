// Tokenizer and parser for τ-bench's `calculate` tool. τ-bench runs Python's eval() on expressions
// made only of "0123456789+-*/(). "; this module reproduces CPython 3.11's grammar for that alphabet
// (ints, floats, + - * / // **, unary +/-, parentheses, the empty tuple `()`, `...`, and calls such as
// `(1)(2)`) and its SyntaxError texts, so that no eval/Function is ever used. See calculate.ts.

export type Node =
  | { k: 'int'; v: bigint }
  | { k: 'float'; v: number }
  | { k: 'tuple' }
  | { k: 'ellipsis' }
  | { k: 'unary'; op: '+' | '-'; x: Node }
  | { k: 'bin'; op: '+' | '-' | '*' | '/' | '//' | '**'; a: Node; b: Node }
  | { k: 'call'; f: Node; arg?: Node; star?: '*' | '**' };

type Tok = { t: 'num' | 'op' | 'end'; s: string; level: number; isFloat?: boolean };

/** A Python SyntaxError, formatted as str(e) is: "msg (<string>, line N)". */
export class PySyntaxError extends Error {}
/** Other exceptions CPython raises while compiling (MemoryError, RecursionError), by str(e). */
export class PyCompileError extends Error {}

const MAXLEVEL = 200; // CPython tokenizer's limit on nested parentheses
// CPython's parser fails with an empty MemoryError past 6000 nested rule calls; measured on 3.11.7, a
// unary operator costs 1, a '**' 2 and a parenthesis 29 of them (the limit falls at 5976 unary ops).
const PARSER_STACK_LIMIT = 5976;
const COST = { unary: 1, pow: 2, paren: 29 };
// Then its compiler raises RecursionError for ASTs deeper than this (3.11.7: 2991 chained operators).
const COMPILER_DEPTH_LIMIT = 2991;
const INT_MAX_STR_DIGITS = 4300; // Python 3.11's limit on decimal int literals

function syntaxError(msg: string, line = 1): PySyntaxError {
  return new PySyntaxError(`${msg} (<string>, line ${line})`);
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Tokenizes like CPython; tokenizer errors take precedence over any parser error, as in CPython. */
function tokenize(src: string): { toks: Tok[]; openAtEnd: number } {
  const toks: Tok[] = [];
  let level = 0;
  let i = 0;
  const digits = () => {
    while (isDigit(src[i])) i++;
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ') {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === '.' && isDigit(src[i + 1]))) {
      let isFloat = false;
      if (c === '0') {
        while (src[i] === '0') i++;
        const nonzeroStart = i;
        digits();
        if (src[i] === '.') {
          isFloat = true;
          i++;
          digits();
        } else if (i > nonzeroStart) {
          throw syntaxError('leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers');
        }
      } else if (c === '.') {
        isFloat = true;
        i++;
        digits();
      } else {
        digits();
        if (src[i] === '.') {
          isFloat = true;
          i++;
          digits();
        }
      }
      toks.push({ t: 'num', s: src.slice(start, i), level, isFloat });
      continue;
    }
    let op: string = c;
    if ((c === '*' || c === '/') && src[i + 1] === c) op = c + c;
    else if (c === '.' && src[i + 1] === '.' && src[i + 2] === '.') op = '...';
    i += op.length;
    if (op === '(') {
      if (level >= MAXLEVEL) throw syntaxError('too many nested parentheses');
      level++;
    } else if (op === ')') {
      if (level === 0) throw syntaxError("unmatched ')'");
      level--;
    }
    toks.push({ t: 'op', s: op, level });
  }
  toks.push({ t: 'end', s: '', level });
  return { toks, openAtEnd: level };
}

class Fail extends Error {}

function parser(toks: Tok[], openAtEnd: number, secondPass: boolean) {
  let p = 0;
  let stack = 0; // CPython parser stack estimate (see PARSER_STACK_LIMIT)
  // CPython raises "never closed" the moment the parser fetches the end of input with '(' still open.
  const peek = () => {
    const t = toks[p]!;
    if (t.t === 'end' && openAtEnd > 0) throw syntaxError("'(' was never closed");
    return t;
  };
  const isOp = (s: string) => peek().t === 'op' && peek().s === s;
  const expect = (s: string) => {
    if (!isOp(s)) throw new Fail();
    p++;
  };
  const push = (n: number) => {
    stack += n;
    if (stack >= PARSER_STACK_LIMIT) throw new PyCompileError('');
  };
  const canStartExpr = () => peek().t === 'num' || isOp('(') || isOp('...') || isOp('+') || isOp('-');

  // Second pass only: CPython's invalid_expression rule, tried at every expression, parses a second
  // expression right after the first (with the invalid_* rules off) and, if that ends inside
  // brackets, raises "Perhaps you forgot a comma?". Reaching the end of input there raises too.
  let checksOff = 0;
  const checkMissingComma = () => {
    if (!secondPass || checksOff > 0 || !canStartExpr()) return;
    const save = p;
    const saveStack = stack;
    checksOff++;
    try {
      sum();
      if (toks[p - 1]!.level > 0) throw syntaxError('invalid syntax. Perhaps you forgot a comma?');
    } catch (e) {
      if (!(e instanceof Fail)) throw e;
    } finally {
      checksOff--;
    }
    p = save;
    stack = saveStack;
  };

  const atom = (): Node => {
    const t = peek();
    if (t.t === 'num') {
      p++;
      if (!t.isFloat && t.s.length > INT_MAX_STR_DIGITS) {
        throw syntaxError(
          `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${t.s.length} digits; use sys.set_int_max_str_digits() to increase the limit - Consider hexadecimal for huge integer literals to avoid decimal conversion limits.`,
        );
      }
      return t.isFloat ? { k: 'float', v: Number(t.s) } : { k: 'int', v: BigInt(t.s) };
    }
    if (isOp('...')) {
      p++;
      return { k: 'ellipsis' };
    }
    if (isOp('(')) {
      p++;
      if (isOp(')')) {
        p++;
        return { k: 'tuple' };
      }
      // '(' '*' x: the tuple rule always parses the starred item (possibly reaching an unclosed end);
      // only the second pass's invalid_group rule turns '(*x)' / '(**x)' into a specific error.
      if (isOp('*') || isOp('**')) {
        const star = peek().s;
        if (star === '**' && !(secondPass && checksOff === 0)) throw new Fail();
        p++;
        expr();
        if (secondPass && checksOff === 0 && isOp(')')) {
          throw syntaxError(star === '*' ? 'cannot use starred expression here' : 'cannot use double starred expression here');
        }
        throw new Fail();
      }
      push(COST.paren);
      const inner = expr();
      expect(')');
      stack -= COST.paren;
      return inner;
    }
    throw new Fail();
  };

  // primary: atom followed by calls. Like the PEG rule, a call that fails to parse is backtracked, and
  // `x.` looks one token further for an attribute name (which may hit an unclosed end of input).
  const primary = (): Node => {
    let node = atom();
    for (;;) {
      if (isOp('.')) {
        p++;
        peek();
        p--;
        return node;
      }
      if (!isOp('(')) return node;
      const save = p;
      const saveStack = stack;
      try {
        node = call(node);
      } catch (e) {
        if (!(e instanceof Fail)) throw e;
        p = save;
        stack = saveStack;
        return node;
      }
    }
  };

  const call = (f: Node): Node => {
    p++; // '('
    if (isOp(')')) {
      p++;
      return { k: 'call', f };
    }
    let star: '*' | '**' | undefined;
    if (isOp('*') || isOp('**')) star = peek().s as '*' | '**';
    if (star) p++;
    const arg = expr();
    expect(')');
    return star ? { k: 'call', f, arg, star } : { k: 'call', f, arg };
  };

  // factor: ('+'|'-')* power; power: primary ['**' factor]
  const factor = (): Node => {
    const ops: ('+' | '-')[] = [];
    while (isOp('+') || isOp('-')) {
      ops.push(toks[p++]!.s as '+' | '-');
      push(COST.unary);
    }
    let node = primary();
    if (isOp('**')) {
      p++;
      push(COST.pow);
      node = { k: 'bin', op: '**', a: node, b: factor() };
      stack -= COST.pow;
    }
    for (let j = ops.length - 1; j >= 0; j--) node = { k: 'unary', op: ops[j]!, x: node };
    stack -= ops.length * COST.unary;
    return node;
  };

  const term = (): Node => {
    let node = factor();
    while (isOp('*') || isOp('/') || isOp('//')) {
      const op = toks[p++]!.s as '*' | '/' | '//';
      node = { k: 'bin', op, a: node, b: factor() };
    }
    return node;
  };

  function expr(): Node {
    const node = sum();
    checkMissingComma();
    return node;
  }

  function sum(): Node {
    let node = term();
    while (isOp('+') || isOp('-')) {
      const op = toks[p++]!.s as '+' | '-';
      node = { k: 'bin', op, a: node, b: term() };
    }
    return node;
  }

  return {
    parseAll(): Node {
      const node = expr();
      if (peek().t !== 'end') throw new Fail();
      return node;
    },
  };
}

/** Parses an expression already checked to use only digits, + - * / ( ) . and spaces. Throws PySyntaxError. */
export function parseExpression(source: string): Node {
  // eval() strips leading spaces and tabs before compiling.
  const src = source.replace(/^[ \t]+/, '');
  if (src.length === 0) throw syntaxError('invalid syntax', 0);
  const { toks, openAtEnd } = tokenize(src);
  // Like CPython: a plain first pass, then a second pass with the extra "invalid_*" rules that may
  // raise a more specific SyntaxError; failing both, the generic "invalid syntax".
  let tree: Node | undefined;
  for (const secondPass of [false, true]) {
    try {
      tree = parser(toks, openAtEnd, secondPass).parseAll();
      break;
    } catch (e) {
      if (!(e instanceof Fail)) throw e;
    }
  }
  if (!tree) throw syntaxError('invalid syntax');
  if (astDepth(tree) >= COMPILER_DEPTH_LIMIT) throw new PyCompileError('maximum recursion depth exceeded during compilation');
  return tree;
}

/** Depth of operator nesting (iterative: the tree may be far deeper than the JS stack allows). */
function astDepth(root: Node): number {
  let max = 0;
  const todo: [Node, number][] = [[root, 0]];
  while (todo.length) {
    const [n, d] = todo.pop()!;
    if (d > max) max = d;
    if (n.k === 'unary') todo.push([n.x, d + 1]);
    else if (n.k === 'bin') todo.push([n.a, d + 1], [n.b, d + 1]);
    else if (n.k === 'call') {
      todo.push([n.f, d + 1]);
      if (n.arg) todo.push([n.arg, d + 1]);
    }
  }
  return max;
}
