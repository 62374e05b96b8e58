import type { CourseCategory, CourseDifficultyLevel } from '../models/Course';
import type { Random } from './random';

/**
 * Words the generated catalogue is made of. Each category has its own topics and skills, so keyword
 * searches behave as on a real catalogue: a topic matches a few percent of the courses, a skill less,
 * a category word more.
 */
export const TOPICS: Record<CourseCategory, readonly string[]> = {
  data_science: ['Python', 'Pandas', 'Machine Learning', 'Deep Learning', 'Statistics', 'SQL', 'Data Visualization', 'TensorFlow', 'PyTorch', 'R Programming', 'Natural Language Processing', 'Computer Vision', 'Time Series Forecasting', 'Apache Spark', 'Data Engineering', 'Tableau', 'Power BI', 'A/B Testing'],
  web_development: ['JavaScript', 'TypeScript', 'React', 'Vue', 'Angular', 'Node.js', 'Django', 'Flask', 'Ruby on Rails', 'HTML and CSS', 'Next.js', 'GraphQL', 'REST APIs', 'Web Accessibility', 'PHP', 'Laravel', 'Svelte', 'Tailwind CSS'],
  mobile_development: ['iOS', 'Swift', 'SwiftUI', 'Android', 'Kotlin', 'Flutter', 'Dart', 'React Native', 'Jetpack Compose', 'Mobile UX', 'Firebase', 'App Store Optimization', 'Ionic'],
  design: ['UI Design', 'UX Research', 'Figma', 'Photoshop', 'Illustrator', 'Typography', 'Logo Design', 'Color Theory', 'Design Systems', 'Prototyping', 'Blender', 'Motion Graphics', 'After Effects', 'Interior Design'],
  business: ['Project Management', 'Agile and Scrum', 'Entrepreneurship', 'Corporate Finance', 'Accounting', 'Business Strategy', 'Negotiation', 'Leadership', 'Excel', 'Product Management', 'Startup Fundraising', 'Supply Chain', 'Real Estate Investing', 'Stock Trading'],
  marketing: ['Digital Marketing', 'SEO', 'Social Media Marketing', 'Google Ads', 'Facebook Ads', 'Content Marketing', 'Email Marketing', 'Copywriting', 'Branding', 'Affiliate Marketing', 'Marketing Analytics', 'Growth Hacking', 'YouTube Marketing', 'Public Relations'],
  personal_development: ['Productivity', 'Public Speaking', 'Time Management', 'Mindfulness', 'Memory Techniques', 'Speed Reading', 'Communication Skills', 'Career Development', 'Emotional Intelligence', 'Habit Building', 'Creative Writing', 'Critical Thinking'],
  health: ['Yoga', 'Nutrition', 'Fitness', 'Meditation', 'Pilates', 'Strength Training', 'Running', 'Mental Health', 'Sleep Science', 'First Aid', 'Healthy Cooking', 'Weight Loss'],
  music: ['Guitar', 'Piano', 'Music Theory', 'Music Production', 'Ableton Live', 'Logic Pro', 'Singing', 'Drums', 'Songwriting', 'Mixing and Mastering', 'Ukulele', 'Violin', 'DJing'],
  photography: ['Photography Basics', 'Lightroom', 'Portrait Photography', 'Landscape Photography', 'Photo Editing', 'Street Photography', 'Product Photography', 'Wedding Photography', 'Video Editing', 'Premiere Pro', 'DaVinci Resolve', 'Drone Photography'],
  teaching: ['Online Teaching', 'Instructional Design', 'Classroom Management', 'Course Creation', 'Teaching English', 'Curriculum Design', 'Educational Technology', 'Tutoring', 'Special Education'],
  other: ['Chess', 'Cooking', 'Gardening', 'Knitting', 'Woodworking', 'Astronomy', 'Philosophy', 'World History', 'Pet Training', 'Calligraphy', 'Home Improvement'],
};

const SKILLS: Record<CourseCategory, readonly string[]> = {
  data_science: ['data cleaning', 'feature engineering', 'regression', 'classification', 'clustering', 'neural networks', 'model evaluation', 'dashboards', 'hypothesis testing', 'data pipelines', 'Jupyter notebooks', 'gradient boosting'],
  web_development: ['responsive layouts', 'state management', 'authentication', 'routing', 'testing', 'deployment', 'server-side rendering', 'databases', 'performance tuning', 'security', 'components', 'async programming'],
  mobile_development: ['navigation', 'offline storage', 'push notifications', 'animations', 'publishing to the store', 'camera access', 'in-app purchases', 'testing on devices', 'layouts', 'networking'],
  design: ['wireframes', 'user interviews', 'layout grids', 'visual hierarchy', 'icon design', 'accessibility', 'design tokens', 'usability testing', 'mockups', 'branding guidelines'],
  business: ['budgeting', 'stakeholder management', 'risk management', 'pitch decks', 'financial modelling', 'hiring', 'pricing', 'roadmaps', 'market research', 'cash flow'],
  marketing: ['keyword research', 'landing pages', 'conversion optimisation', 'audience targeting', 'campaign analytics', 'newsletters', 'brand voice', 'link building', 'retargeting', 'funnels'],
  personal_development: ['goal setting', 'focus', 'confidence', 'storytelling', 'note taking', 'planning your week', 'overcoming procrastination', 'active listening', 'journaling', 'decision making'],
  health: ['breathing techniques', 'meal planning', 'mobility', 'posture', 'recovery', 'stress management', 'workout routines', 'flexibility', 'healthy habits', 'injury prevention'],
  music: ['chords', 'scales', 'rhythm', 'ear training', 'improvisation', 'sound design', 'arrangement', 'recording', 'mixing', 'sight reading'],
  photography: ['composition', 'lighting', 'exposure', 'colour grading', 'retouching', 'lenses', 'storytelling with images', 'editing workflows', 'studio setup', 'natural light'],
  teaching: ['lesson planning', 'assessment', 'engagement', 'feedback', 'online tools', 'learning objectives', 'group work', 'differentiation', 'motivation', 'course structure'],
  other: ['technique', 'tools', 'practice routines', 'history', 'materials', 'projects', 'planning', 'common mistakes', 'safety', 'finishing touches'],
};

const TITLES: Record<CourseDifficultyLevel, readonly ((t: string, u: string) => string)[]> = {
  beginner: [
    (t) => `${t} for Beginners`,
    (t) => `${t} Essentials`,
    (t) => `Learn ${t} from Scratch`,
    (t) => `${t} Fundamentals`,
    (t) => `Introduction to ${t}`,
    (t, u) => `${t} from Zero to Hero: ${u}`,
  ],
  intermediate: [
    (t) => `The Complete ${t} Bootcamp`,
    (t) => `Practical ${t}`,
    (t, u) => `${t} in Practice: ${u}`,
    (t) => `Hands-On ${t} Projects`,
    (t) => `The ${t} Handbook`,
    (t, u) => `${t}: ${u}`,
  ],
  advanced: [
    (t) => `Advanced ${t}`,
    (t) => `Mastering ${t}`,
    (t, u) => `${t} Masterclass: ${u}`,
    (t) => `${t} for Professionals`,
    (t) => `Expert ${t} Techniques`,
  ],
};

const UPSHOTS = ['Build Real Projects', 'A Step-by-Step Guide', 'The Modern Way', 'Beyond the Basics', 'Skills That Get You Hired', 'Learn by Doing', 'The Definitive Course'];

const AUDIENCES = ['complete beginners', 'students and career changers', 'working professionals', 'freelancers', 'hobbyists', 'team leads', 'self-taught learners', 'anyone curious'];

export function courseTitle(random: Random, topic: string, difficulty: CourseDifficultyLevel): string {
  const year = 2020 + random.int(0, 6);
  const title = random.pick(TITLES[difficulty])(topic, random.pick(UPSHOTS));
  return random.chance(0.15) ? `${title} (${year})` : title;
}

export function courseDescription(random: Random, category: CourseCategory, topic: string, difficulty: CourseDifficultyLevel): string {
  const skills = SKILLS[category];
  const [a, b, c] = random.sample(skills.length, 3).map((i) => skills[i]);
  const related = random.pick(TOPICS[category]);
  const sentences = [
    `In this course you will learn ${topic} step by step, with ${random.int(3, 12)} hands-on projects.`,
    `We cover ${a}, ${b} and ${c}, and show how ${topic} fits together with ${related}.`,
    difficulty === 'beginner'
      ? `No prior experience with ${topic} is required.`
      : difficulty === 'advanced'
        ? `You should already be comfortable with ${related} and the basics of ${a}.`
        : `Some familiarity with ${a} helps, but every concept is explained.`,
    `Ideal for ${random.pick(AUDIENCES)}.`,
  ];
  if (random.chance(0.5)) sentences.push(`Every section ends with exercises on ${random.pick(skills)} and a short quiz.`);
  if (random.chance(0.3)) sentences.push(`Lifetime access, downloadable resources and a certificate of completion are included.`);
  return sentences.join(' ');
}

const LESSON_TITLES = ['Welcome and course overview', 'Setting up your tools', 'Core concepts', 'Your first project', 'Going further', 'Common mistakes', 'Putting it all together', 'Next steps'];

export function lessonTitle(random: Random, index: number, category: CourseCategory): string {
  if (index === 0) return LESSON_TITLES[0];
  const skill = random.pick(SKILLS[category]);
  return `${random.pick(LESSON_TITLES.slice(1))}: ${skill}`;
}

const REVIEW_TEXT: Record<number, readonly string[]> = {
  5: ['Excellent course, clear and well paced.', 'Exactly what I needed. The projects were great.', 'Best course on the topic I have taken.', 'Fantastic instructor, highly recommended!'],
  4: ['Very good overall, a few sections felt rushed.', 'Solid content and useful exercises.', 'Good course, I learned a lot.'],
  3: ['Decent, but some parts are outdated.', 'Okay for the price. Could use more examples.'],
  2: ['Too basic for me and the audio is poor.', 'Not what the description promised.'],
  1: ['Disappointing, I asked for a refund.', 'Hard to follow and full of errors.'],
};

export function reviewText(random: Random, rating: number): string | null {
  return random.chance(0.7) ? random.pick(REVIEW_TEXT[rating]) : null;
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Radia', 'Tim', 'Katherine', 'Edsger', 'Frances', 'John', 'Hedy', 'Donald', 'Sophie', 'Yuki', 'Amara', 'Mateo', 'Priya', 'Chen', 'Fatima', 'Lars', 'Olga', 'Kwame', 'Lucia', 'Omar', 'Ingrid', 'Ravi'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Perlman', 'Berners-Lee', 'Johnson', 'Dijkstra', 'Allen', 'McCarthy', 'Lamarr', 'Knuth', 'Wilson', 'Tanaka', 'Okafor', 'Garcia', 'Sharma', 'Wei', 'Haddad', 'Nilsson', 'Ivanova', 'Mensah', 'Rossi', 'Farouk', 'Berg', 'Iyer'];

export function personName(random: Random): string {
  return `${random.pick(FIRST)} ${random.pick(LAST)}`;
}
