import fs from 'node:fs';
import PDFDocument from 'pdfkit';

export interface CertificateContent {
  certificateId: string;
  studentName: string;
  courseTitle: string;
  instructorName: string;
  completedAt: Date;
  /** Where anyone can check the certificate, e.g. https://edustream.example/api/certificates/<id>. */
  verifyUrl: string;
}

/**
 * DejaVu Sans covers Latin (all accents), Greek, Cyrillic and more: names such as "Łukasz Żółć" print as
 * written, which the PDF standard fonts (WinAnsi only) cannot. Read once per process.
 */
let fonts: { regular: Buffer; bold: Buffer } | undefined;
function loadFonts(): { regular: Buffer; bold: Buffer } {
  fonts ??= {
    regular: fs.readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
    bold: fs.readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
  };
  return fonts;
}

/** The largest size up to `max` at which `text` (in the current font) takes at most two lines — long names and titles shrink instead of pushing the footer off the page. */
function fittedSize(doc: PDFKit.PDFDocument, text: string, max: number, width: number): number {
  const min = 10;
  for (let size = max; size > min; size -= 1) {
    if (doc.fontSize(size).heightOfString(text, { width }) <= size * 2.6) return size;
  }
  return min;
}

const formatDate = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' });

/** A one-page A4 landscape certificate; the text is real text (searchable, extractable), fonts embedded as subsets. */
export function renderCertificatePdf(content: CertificateContent): Promise<Buffer> {
  const { regular, bold } = loadFonts();
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 60,
    info: {
      Title: `Certificate of Completion — ${content.courseTitle}`,
      Author: 'EduStream',
      Subject: `${content.studentName} completed ${content.courseTitle}`,
      CreationDate: content.completedAt,
    },
  });
  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('regular', regular);
  doc.registerFont('bold', bold);

  const { width, height } = doc.page;
  const accent = '#1f4e79';
  doc
    .lineWidth(3)
    .strokeColor(accent)
    .rect(24, 24, width - 48, height - 48)
    .stroke();
  doc
    .lineWidth(1)
    .rect(32, 32, width - 64, height - 64)
    .stroke();

  const centered = { align: 'center' as const, width: width - 120 };
  doc.y = 90;
  doc
    .font('bold')
    .fontSize(14)
    .fillColor(accent)
    .text('EDUSTREAM', 60, doc.y, { ...centered, characterSpacing: 4 });
  doc.moveDown(1.2).font('bold').fontSize(34).fillColor('#111111').text('Certificate of Completion', centered);
  doc.moveDown(1).font('regular').fontSize(14).fillColor('#444444').text('This certifies that', centered);
  doc
    .moveDown(0.6)
    .font('bold')
    .fontSize(fittedSize(doc, content.studentName, 28, centered.width))
    .fillColor('#111111')
    .text(content.studentName, centered);
  doc
    .moveDown(0.6)
    .font('regular')
    .fontSize(14)
    .fillColor('#444444')
    .text('has successfully completed the course', centered);
  doc
    .moveDown(0.6)
    .font('bold')
    .fontSize(fittedSize(doc, content.courseTitle, 22, centered.width))
    .fillColor(accent)
    .text(content.courseTitle, centered);
  doc
    .moveDown(0.6)
    .font('regular')
    .fontSize(14)
    .fillColor('#444444')
    .text(`taught by ${content.instructorName}`, centered);
  doc
    .moveDown(1)
    .fontSize(14)
    .fillColor('#111111')
    .text(`Completed on ${formatDate.format(content.completedAt)}`, centered);

  doc.font('regular').fontSize(10).fillColor('#666666');
  doc.text(`Certificate ID: ${content.certificateId}`, 60, height - 100, centered);
  doc.text(`Verify at ${content.verifyUrl}`, centered);

  doc.end();
  return done;
}
