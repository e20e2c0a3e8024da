export function hello(name) {
  return `Hello, ${name}!`;
}

export const greet = {
  greet(name, times) {
    return { text: Array(times).fill(`hi ${name}`).join(" "), count: times };
  },
};
