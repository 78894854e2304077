/** What every page of the dashboard is: an element to show, a title, and a way to stop it. */
export interface View {
  el: HTMLElement;
  /** For the document title. */
  title: string;
  /** Stops timers and listeners; the element is removed by the caller. */
  destroy(): void;
}
